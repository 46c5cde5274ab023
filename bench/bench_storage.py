"""Benchmark: publish to a local S3 server (moto_server) with kotocast against ``aws s3 sync``.

Same files, same server, same run. Timed runs go straight to the server, each into a fresh
bucket, interleaved, medians reported. Request counts and bytes of the no-change run and of the
run after ``touch``ing every file are counted at a proxy (tests/storage/faultproxy.py, no
faults), for the realistic set and for 5,000 small objects. Both tools run as fresh
subprocesses (Python start-up included for both). kotocast is handed the sha256 each file's
catalog record already holds (``kotocast add`` computes it once), so the publish does not hash.

Usage: .venv/bin/python bench/bench_storage.py [--scale 1.0] [--runs 3] [--many 5000]
Data is generated under bench/out/ (gitignored).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out" / "storage"
VENV_BIN = Path(sys.executable).parent
MB = 1024 * 1024
ENV = {
    "AWS_ACCESS_KEY_ID": "AKIABENCHBENCHBENCH0",
    "AWS_SECRET_ACCESS_KEY": "bench-secret-not-real",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}


def generate(folder: Path, spec: list[tuple[int, int]]) -> dict[str, str]:
    """Create random files (count, size) once; return {name: sha256} (the catalog's hashes)."""
    folder.mkdir(parents=True, exist_ok=True)
    hashes_path = folder.parent / f"{folder.name}.sha256.json"
    if hashes_path.exists():
        return json.loads(hashes_path.read_text())  # type: ignore[no-any-return]
    hashes: dict[str, str] = {}
    n = 0
    for count, size in spec:
        for _ in range(count):
            data = os.urandom(size)
            name = f"ep{n:05d}-{hashlib.sha256(data).hexdigest()[:10]}.mp3"
            (folder / name).write_bytes(data)
            hashes[name] = hashlib.sha256(data).hexdigest()
            n += 1
    hashes_path.write_text(json.dumps(hashes))
    return hashes


def worker(endpoint: str, bucket: str, folder: str, hashes_file: str) -> None:
    """Publish every file of ``folder`` under media/ plus a feed (run as a subprocess)."""
    from pipeline.s3 import S3Storage
    from pipeline.sync import (
        DOCUMENT_CACHE_CONTROL,
        MEDIA_CACHE_CONTROL,
        PublishObject,
        publish_objects,
    )

    hashes = json.loads(Path(hashes_file).read_text())
    media = [
        PublishObject(
            key=f"media/{name}",
            source=Path(folder) / name,
            content_type="audio/mpeg",
            cache_control=MEDIA_CACHE_CONTROL,
            sha256=sha,
            size_bytes=(Path(folder) / name).stat().st_size,
            immutable=True,
            content_disposition=f'attachment; filename="{name}"',
        )
        for name, sha in sorted(hashes.items())
    ]
    feed = "".join(
        f"<item><enclosure url='{m.key}' length='{m.size_bytes}'/></item>" for m in media
    )
    body = f"<rss><channel>{feed}</channel></rss>".encode()
    doc = PublishObject(
        "feed.xml",
        body,
        "application/rss+xml",
        DOCUMENT_CACHE_CONTROL,
        hashlib.sha256(body).hexdigest(),
        len(body),
        False,
    )
    storage = S3Storage(bucket, "show", endpoint_url=endpoint)
    report = publish_objects(storage, media, [doc])
    storage.close()
    print(json.dumps({"uploaded": len(report.uploaded), "bytes": report.bytes_uploaded}))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_kotocast(endpoint: str, bucket: str, folder: Path, hashes: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, __file__, "worker", endpoint, bucket, str(folder), str(hashes)],
        check=True,
        env={**os.environ, **ENV},
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def run_aws(endpoint: str, bucket: str, folder: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [
            str(VENV_BIN / "aws"),
            "--endpoint-url",
            endpoint,
            "s3",
            "sync",
            "--only-show-errors",
            str(folder),
            f"s3://{bucket}/show/media/",
        ],
        check=True,
        env={**os.environ, **ENV},
    )
    return time.perf_counter() - started


def empty_bucket(client, bucket: str) -> None:  # type: ignore[no-untyped-def]
    paginator = client.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket):
        keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
        for i in range(0, len(keys), 1000):
            client.delete_objects(Bucket=bucket, Delete={"Objects": keys[i : i + 1000]})
    client.delete_bucket(Bucket=bucket)


def counted(proxy, action) -> tuple[int, int, dict[str, int]]:  # type: ignore[no-untyped-def]
    proxy.reset()
    action()
    return len(proxy.seen), proxy.bytes_in(), proxy.counts()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="file sizes x this")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--many", type=int, default=5000, help="small objects for counting")
    args = parser.parse_args()
    os.environ.update(ENV)
    import boto3

    from tests.storage.faultproxy import FaultProxy

    def sz(mb: float) -> int:
        return max(1, int(mb * MB * args.scale))

    realistic = OUT / f"realistic-x{args.scale:g}"
    hashes = generate(realistic, [(150, sz(1)), (40, sz(20)), (10, sz(120))])
    many = OUT / f"many-{args.many}"
    generate(many, [(args.many, 2048)])
    total_bytes = sum(p.stat().st_size for p in realistic.iterdir())
    print(f"realistic set: {len(hashes)} files, {total_bytes / MB:.0f} MB", flush=True)

    port = _free_port()
    log = (OUT / "moto.log").open("wb")
    server = subprocess.Popen(
        [str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    endpoint = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            break
        except OSError:
            time.sleep(0.1)
    client = boto3.client("s3", endpoint_url=endpoint)
    proxy = FaultProxy("127.0.0.1", port).start()
    results: dict[str, object] = {"files": len(hashes), "total_mb": round(total_bytes / MB)}
    try:
        times: dict[str, list[float]] = {"kotocast": [], "aws": []}
        for run in range(args.runs):
            for tool in ("kotocast", "aws") if run % 2 == 0 else ("aws", "kotocast"):
                bucket = f"bench-{uuid.uuid4().hex[:10]}"
                client.create_bucket(Bucket=bucket)
                hf = realistic.parent / f"{realistic.name}.sha256.json"
                took = (
                    run_kotocast(endpoint, bucket, realistic, hf)
                    if tool == "kotocast"
                    else run_aws(endpoint, bucket, realistic)
                )
                times[tool].append(took)
                print(f"run {run + 1} {tool}: {took:.1f} s", flush=True)
                empty_bucket(client, bucket)
        results["times_s"] = times
        results["median_s"] = {k: round(statistics.median(v), 2) for k, v in times.items()}

        counts: dict[str, dict[str, object]] = {}
        for label, folder in (("200", realistic), (str(args.many), many)):
            hf = folder.parent / f"{folder.name}.sha256.json"
            for tool in ("kotocast", "aws"):
                bucket = f"count-{uuid.uuid4().hex[:10]}"
                client.create_bucket(Bucket=bucket)

                def publish(
                    tool: str = tool, bucket: str = bucket, folder: Path = folder, hf: Path = hf
                ) -> None:
                    if tool == "kotocast":
                        run_kotocast(proxy.url, bucket, folder, hf)
                    else:
                        run_aws(proxy.url, bucket, folder)

                publish()  # initial upload
                nochange = counted(proxy, publish)
                for path in folder.iterdir():
                    os.utime(path)
                touched = counted(proxy, publish)
                counts[f"{label}/{tool}"] = {
                    "no_change_requests": nochange[0],
                    "no_change_bytes": nochange[1],
                    "no_change_methods": nochange[2],
                    "after_touch_requests": touched[0],
                    "after_touch_bytes": touched[1],
                    "after_touch_methods": touched[2],
                }
                print(label, tool, counts[f"{label}/{tool}"], flush=True)
                empty_bucket(client, bucket)
        results["counts"] = counts
    finally:
        proxy.stop()
        server.terminate()
        server.wait()
        log.close()
    (OUT / "results.json").write_text(json.dumps(results, indent=1))
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "worker":
        worker(*sys.argv[2:6])
    else:
        main()
