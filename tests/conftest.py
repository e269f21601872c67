"""Settings shared by every tier: no test may reach a real AWS account."""

import os

os.environ.update(
    AWS_DEFAULT_REGION="eu-west-3",
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_SESSION_TOKEN="testing",
    POWERTOOLS_METRICS_NAMESPACE="HealthSpaceTest",
    POWERTOOLS_TRACE_DISABLED="true",
)
os.environ.pop("AWS_PROFILE", None)
