"""The benchmarks (`make bench`), each run on the local stack in this process:

    python -m infra.bench [--partners-only] [--readme README.md]   routes, cold start, partners
    python -m infra.bench.enrollment [--citizens 5000]              enrollment at scale
    python -m infra.bench.reminders [--sizes 0 1000 100000]         the reminders' job

Modules: records (what each route of the patients' and the partners' APIs costs in AWS requests,
the functions' cold start, the local stack's throughput; run by __main__), enrollment (N
synthetic citizens through the real enrollment pipeline, and the projection for 68 million),
reminders (the reminders' job per run and per reminder, whatever the table holds; 68 million),
measure (what both measure with: AWS requests counted, medians, timing loops, tables).
"""
