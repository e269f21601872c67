"""The website's build and upload (README, "Deploying").

    python -m infra.site build [--out .site]      the built site into a folder, sizes printed
    python -m infra.site upload --bucket NAME     built and put into the stack's website bucket

The upload acts with the caller's AWS credentials (no role of the stack's) and puts each file
with its own Content-Type and Cache-Control, assets before pages: a page never names an asset
that is not there yet. Nothing is deleted: a browser holding the previous page still finds the
assets it names. CloudFront compresses what it serves (brotli or gzip, as the browser asks), so
the files go up uncompressed; the gzip copies are for the local stack and the size table.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import boto3

from infra.site.build import BuildError, Site, build, write

ROOT = Path(__file__).resolve().parents[2]


def upload(site: Site, bucket: str, s3: Any) -> list[str]:
    """Puts every file of the site into the bucket, assets first; the keys, in order."""
    order = sorted(site.files.values(), key=lambda f: (f.path.endswith(".html"), f.path))
    for built in order:
        s3.put_object(
            Bucket=bucket,
            Key=built.path,
            Body=built.body,
            ContentType=built.content_type,
            CacheControl=built.cache_control,
        )
    return [built.path for built in order]


def size_table(site: Site) -> str:
    lines = ["| file | bytes | gzip | Cache-Control |", "|---|---|---|---|"]
    for path, built in sorted(site.files.items()):
        packed = f"{len(built.gzipped):,}" if built.gzipped is not None else "-"
        lines.append(f"| {path} | {len(built.body):,} | {packed} | {built.cache_control} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.site", description=__doc__)
    parser.add_argument("--web", type=Path, default=ROOT / "web", help="the site's sources")
    commands = parser.add_subparsers(dest="command", required=True)
    build_command = commands.add_parser("build", help="build into a folder")
    build_command.add_argument("--out", type=Path, default=ROOT / ".site")
    upload_command = commands.add_parser("upload", help="build and put into a bucket")
    upload_command.add_argument("--bucket", required=True, help="the stack's WebsiteBucketName")
    args = parser.parse_args(argv)
    try:
        site = build(args.web)
    except BuildError as broken:
        print(f"the website does not build: {broken}", file=sys.stderr)
        return 1
    if args.command == "build":
        write(site, args.out)
        print(size_table(site))
        print(f"built into {args.out}")
    else:
        keys = upload(site, args.bucket, boto3.client("s3"))
        print(f"{len(keys)} files put into s3://{args.bucket}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
