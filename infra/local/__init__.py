"""The local stack: template.yaml played by moto, each function in worker processes of its own,
one HTTP origin.

    python -m infra.local --port 3000          (make run)
    with LocalStack(port=0) as stack: ...      (infra.local.stack, for tests)

Modules: template (read template.yaml, resolve intrinsics), resources (create it in moto),
lambdas (the functions' registry, moto's Lambda invocation replaced) with workers (each
function's instances, processes alone with their module state), moto_dynamodb (moto's
DynamoDB transactions without table copies), auth (Cognito authorizer), routes (API routes from
the template), gateway (the HTTP server: dispatch, CORS, local helpers) with proxy (HTTP <->
REST proxy events), login (/local/login and the pools' MFA), outbox (what the stack sent) and
website (web/ and its headers), demo/ (the demo's people, their users and health spaces, the
demo wave), stack (all of it together), __main__ (command line); partner_signer (a partner
system signing its requests, for the tests and the benchmark).

Kept free of imports: __main__ must read the template before the layer is importable.
"""
