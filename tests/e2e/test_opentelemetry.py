"""REGISTRY_OPENTELEMETRY: FastAPI's own spans reach the process's OpenTelemetry providers when it is on, and no
request looks the providers up when it is off (the default), whatever the process configures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

# In a process of its own: OpenTelemetry's global tracer provider can be set once per process.
SPANS = """
import json, sys
from fastapi.testclient import TestClient
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from api.app import create_app
from api.settings import Settings

exporter = InMemorySpanExporter()
provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(exporter))
trace.set_tracer_provider(provider)
spans = {}
for on in (False, True):
    settings = Settings(database_url=f"sqlite:///{sys.argv[1]}/registry-{on}.db", opentelemetry=on,
                        signing_key=f"{sys.argv[1]}/signing.key", checkpoint_key=f"{sys.argv[1]}/checkpoint.key",
                        run_scheduler=False)
    exporter.clear()
    with TestClient(create_app(settings)) as client:
        assert client.get("/api/v1/health").status_code == 200
    spans[str(on)] = [span.name for span in exporter.get_finished_spans()]
print(json.dumps(spans))
"""


def test_fastapi_spans_reach_the_configured_provider_only_when_opentelemetry_is_on(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", SPANS, str(tmp_path)], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr
    spans = json.loads(done.stdout.strip().splitlines()[-1])
    assert spans["False"] == []
    assert "GET /api/v1/health" in spans["True"]
