"""The README's client recipes, run as written against a real ``moderation serve`` on 127.0.0.1.

Each recipe is the code block after its ``<!-- recipe: NAME -->`` marker in the README, with
``HOST:8080`` replaced by the test server's address and the key in ``API_KEY``. Clients that do
not come with the test dependencies are installed by ``.ci/run`` into a temporary folder, named
by an environment variable; without it (or without node, go, curl) a test skips and says why.
"""

import json
import os
import re
import shutil
import subprocess
import sys

import httpx
import pytest

from tests.conftest import ROOT
from tests.serve_support import WAIT, Server

KEY = "client-recipe-key"
TEXT = "You are a liar and an idiot."
NODE_MODULES = os.environ.get("MODERATION_TEST_NODE_MODULES")
PYPI_PERSPECTIVE = os.environ.get("MODERATION_TEST_PYPI_PERSPECTIVE")
PYPI_PERSPECTIVEAPI = os.environ.get("MODERATION_TEST_PYPI_PERSPECTIVEAPI")
INSTALLED_BY_CI = "{what}: not installed here; .ci/run installs it into a temporary folder that {variable} names"

pytestmark = pytest.mark.slow  # a real server, and clients in other processes


def recipe(name: str, port: int) -> str:
    """The README's code block for ``name``, pointed at 127.0.0.1:``port``."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(rf"<!-- recipe: {re.escape(name)} -->\s*```\w+\n(.*?)\n\s*```", readme, re.DOTALL)
    assert found, f"no recipe {name} in the README"
    lines = found.group(1).split("\n")
    indent = min(len(line) - len(line.lstrip()) for line in lines if line.strip())
    code = "\n".join(line[indent:] for line in lines)
    assert "HOST" in code
    return code.replace("HOST:8080", f"127.0.0.1:{port}").replace('host="HOST", port=8080', f'host="127.0.0.1", port={port}')


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    keys = tmp_path_factory.mktemp("keys") / "keys.txt"
    keys.write_text(KEY + "\n", encoding="utf-8")
    with Server("--api-keys", keys, "--drop-unsupported-attributes") as server:
        yield server


def toxicity(server, text=TEXT) -> float:
    """TOXICITY of ``text``, asked directly: what every recipe should print."""
    body = {"comment": {"text": text}, "requestedAttributes": {"TOXICITY": {}}, "languages": ["en"]}
    response = httpx.post(f"{server.base}/v1alpha1/comments:analyze", params={"key": KEY}, json=body, timeout=WAIT)
    return response.json()["attributeScores"]["TOXICITY"]["summaryScore"]["value"]


def run(command: list[str], tmp_path, **env) -> str:
    """``command``'s output (it must succeed), with the key in API_KEY."""
    result = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=300, env={**os.environ, "API_KEY": KEY, **env}
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_start_up_lines_say_the_scale_and_the_languages(server):
    server.wait_for("languages scored: en")
    assert re.search(r"scores on the coral scale: each label's threshold \(off_topic 0\.\d+, hostile 0\.\d+, ad_hominem 0\.\d+\) becomes 0\.8", server.log)
    assert "a comment in another language is held for a person (every requested attribute scores 1.0; --other-languages hold)" in server.log
    assert "--drop-unsupported-attributes" in server.log


def test_python_google_api_client(server, tmp_path):
    output = run([sys.executable, "-c", recipe("python-googleapiclient", server.port)], tmp_path)
    assert float(output) == pytest.approx(toxicity(server), abs=1e-6)


def test_curl(server, tmp_path):
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    scores = json.loads(run(["bash", "-c", recipe("curl", server.port)], tmp_path))["attributeScores"]
    assert 0 <= scores["TOXICITY"]["summaryScore"]["value"] <= 1 and "ATTACK_ON_COMMENTER" in scores
    assert len(scores["TOXICITY"]["spanScores"]) == 3  # the whole text and its two sentences


@pytest.mark.skipif(PYPI_PERSPECTIVE is None, reason=INSTALLED_BY_CI.format(what="PyPI perspective", variable="MODERATION_TEST_PYPI_PERSPECTIVE"))
def test_pypi_perspective(server, tmp_path):
    output = run([sys.executable, "-c", recipe("pypi-perspective", server.port)], tmp_path, PYTHONPATH=PYPI_PERSPECTIVE)
    assert float(output) == pytest.approx(toxicity(server), abs=1e-6)


@pytest.mark.skipif(PYPI_PERSPECTIVEAPI is None, reason=INSTALLED_BY_CI.format(what="PyPI perspectiveapi", variable="MODERATION_TEST_PYPI_PERSPECTIVEAPI"))
def test_pypi_perspectiveapi_asking_for_attributes_we_do_not_have(server, tmp_path):
    # It asks for THREAT, SEXUALLY_EXPLICIT and FLIRTATION as well: the server drops them (--drop-unsupported-attributes).
    output = run([sys.executable, "-c", recipe("pypi-perspectiveapi", server.port)], tmp_path, PYTHONPATH=PYPI_PERSPECTIVEAPI)
    assert float(output) == pytest.approx(toxicity(server), abs=1e-6)


def node(tmp_path, code: str) -> str:
    if shutil.which("node") is None:
        pytest.skip("node is not installed (Debian: apt-get install nodejs npm)")
    if NODE_MODULES is None:
        pytest.skip(INSTALLED_BY_CI.format(what="npm googleapis and perspective-api-client", variable="MODERATION_TEST_NODE_MODULES"))
    (tmp_path / "recipe.js").write_text(code, encoding="utf-8")
    return run(["node", "recipe.js"], tmp_path, NODE_PATH=NODE_MODULES)


def test_node_googleapis_discover_api(server, tmp_path):
    output = node(tmp_path, recipe("node-googleapis", server.port))
    assert float(output) == pytest.approx(toxicity(server), abs=1e-6)


def test_node_googleapis_with_a_saved_discovery_document_and_our_root_url(server, tmp_path):
    document = httpx.get(f"{server.base}/$discovery/rest?version=v1alpha1", timeout=WAIT).json()
    google = {**document, "rootUrl": "https://commentanalyzer.googleapis.com/", "baseUrl": "https://commentanalyzer.googleapis.com/"}
    (tmp_path / "commentanalyzer-v1alpha1.json").write_text(json.dumps(google), encoding="utf-8")
    output = node(tmp_path, recipe("node-googleapis-rooturl", server.port))
    assert float(output) == pytest.approx(toxicity(server), abs=1e-6)  # Google's address is unreachable here: it came from us


def test_npm_perspective_api_client(server, tmp_path):
    output = node(tmp_path, recipe("node-perspective-api-client", server.port))
    assert float(output) == pytest.approx(toxicity(server), abs=1e-6)


def test_go_standard_library(server, tmp_path):
    if shutil.which("go") is None:
        pytest.skip("go is not installed (Debian: apt-get install golang-go); .ci/run does not install it, to keep CI short")
    (tmp_path / "main.go").write_text(recipe("go", server.port), encoding="utf-8")
    cache = {"GOCACHE": str(tmp_path / "go-cache"), "GOPATH": str(tmp_path / "go-path"), "GO111MODULE": "off"}
    output = run(["go", "run", "main.go"], tmp_path, **cache)
    assert float(output) == pytest.approx(toxicity(server), abs=1e-6)
