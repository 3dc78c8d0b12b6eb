"""The app over HTTP: safety (traversal, escaping, tokens), validation, numbers, catalogue."""

from __future__ import annotations

import html

import httpx
import pytest
from typer.testing import CliRunner
from webserver_helpers import FIXTURES, make_server, wait_done

import peninsula as pn
from peninsula.cli import app as cli_app
from peninsula.web.config import ConfigError, WebConfig


@pytest.fixture(scope="module")
def client(server):
    with httpx.Client(base_url=server.url, timeout=30) as c:
        yield c


@pytest.mark.parametrize("path", [
    "/scenarios/folder/..%2F..%2F..%2Fetc%2Fpasswd",
    "/scenarios/folder/%2Fetc%2Fpasswd",
    "/scenarios/folder/..",
    "/scenarios/folder/.hidden.yaml",
    "/scenarios/folder/%2e%2e%2fdata%2fcatalogue.duckdb",
    "/scenarios/upload/..%252F..%252Fetc%252Fpasswd",
    "/scenarios/../../etc/passwd",
    "/jobs/..%2F..%2Fetc/files/passwd",
    "/jobs/%2Fetc%2Fpasswd",
    "/jobs/nope/files/..%2F..%2Fcatalogue.duckdb",
    "/static/..%2F..%2F..%2Fpyproject.toml",
    "/static/../../cli/serve.py",
    "/compare?a=..%2F..&b=%2Fetc%2Fpasswd",
])
def test_traversal_attempts_are_refused_with_4xx(client, path):
    response = client.get(path)
    assert 400 <= response.status_code < 500, (path, response.status_code)
    assert "root:" not in response.text and "Traceback" not in response.text


def test_a_known_job_file_outside_the_download_list_is_refused(client):
    job = client.post("/api/runs", data={"scenario": "folder/hostile.yaml", "futures": "50",
                                         "months": "2"}).json()["id"]
    assert wait_done(client, job)["status"] == "done"
    assert client.get(f"/jobs/{job}/files/outcomes.csv").status_code == 200
    for name in ("arrays.npz", "table.json", "%2e%2e", "..%2Fcatalogue.duckdb"):
        assert 400 <= client.get(f"/jobs/{job}/files/{name}").status_code < 500, name


def test_script_in_scenario_text_is_escaped_everywhere(client):
    page = client.get("/scenarios/folder/hostile.yaml")
    assert page.status_code == 200
    body = page.text
    assert "<script>window.__xss" not in body and "<img src=x" not in body
    for n in (1, 2, 3, 5, 6, 7, 8, 9):
        assert html.escape(f"<script>window.__xss={n}</script>", quote=False) in body or (
            f"&lt;script&gt;window.__xss={n}&lt;/script&gt;" in body), n
    home = client.get("/").text
    assert "<script>window.__xss" not in home and "&lt;script&gt;window.__xss=1" in home


@pytest.mark.parametrize(("form", "expected"), [
    ({"futures": "many"}, "futures: expected a whole number"),
    ({"futures": "0"}, "futures: expected a whole number from 1"),
    ({"futures": "10000000000"}, "futures: expected a whole number from 1"),
    ({"seed": "-1"}, "seed: expected a whole number from 0"),
    ({"months": "999"}, "months: expected a whole number from 1 to 240"),
    ({"set_u0": "on", "u0": "7"}, "expected a number from 0.1 to 0.6"),
    ({"set_u0": "on", "u0": "nan"}, "expected a number from 0.1 to 0.6"),
    ({"lever_green_posture": "<script>"}, "expected one of firm, soft"),
])
def test_bad_form_values_get_a_clear_400(client, form, expected):
    response = client.post("/scenarios/folder/hostile.yaml/run", data=form)
    assert response.status_code == 400
    assert expected in html.unescape(response.text)
    assert "Traceback" not in response.text and "<script>" not in response.text


def test_json_clients_get_json_errors(client):
    response = client.post("/api/runs", data={"scenario": "folder/hostile.yaml", "futures": "x"})
    assert response.status_code == 400
    assert response.json()["problems"] == ["futures: expected a whole number, got 'x'"]
    assert client.get("/api/jobs/not-a-job").status_code == 404


def test_upload_shows_each_problem_next_to_its_line(client):
    text = (FIXTURES / "hostile.yaml").read_text()
    bad = text.replace("rationality: 3.0", "rationality: many", 1)
    line = bad.splitlines().index("    rationality: many    # higher: picks its best option "
                                  "more often") + 1
    response = client.post("/upload", files={"file": ("broken.yaml", bad.encode())})
    assert response.status_code == 400
    expected = str(pytest.raises(pn.ScenarioError, pn.load_scenario,
                                 _written(bad, "broken.yaml")).value.problems[0])
    assert html.escape(expected) in response.text or expected in html.unescape(response.text)
    assert f'data-line="{line}"' in response.text
    assert "<script>window" not in response.text
    assert client.get("/scenarios/upload/broken.yaml").status_code == 404


def _written(text: str, name: str):
    import tempfile
    from pathlib import Path

    folder = Path(tempfile.mkdtemp())
    (folder / name).write_text(text)
    return str(folder / name)


@pytest.mark.parametrize(("name", "data", "expected"), [
    ("../../evil.yaml", b"name: x", "evil.yaml"),
    ("tags.yaml", b"name: !!python/object:os.system ls\n", "tags.yaml"),
    ("bomb.yaml", b"a: &a [1]\n" + b"".join(b"b%d: &b%d [*a, *a]\n" % (i, i)
                                            for i in range(120)), "alias"),
    ("notes.txt", b"name: x", "must end in .yaml"),
    ("huge.yaml", b"#" * (5 * 1024 * 1024 + 10), "must be under 5 MB"),
])
def test_uploads_go_through_the_safe_loader(client, name, data, expected):
    response = client.post("/upload", files={"file": (name, data)})
    assert response.status_code == 400
    assert expected in html.unescape(response.text)


def test_a_valid_upload_is_kept_and_runs(client, server):
    data = (FIXTURES / "hostile.yaml").read_bytes()
    sneaky = client.post("/upload", files={"file": ("../../sneaky.yaml", data)},
                         follow_redirects=False)
    assert sneaky.headers["location"] == "/scenarios/upload/sneaky.yaml"
    assert sorted(p.name for p in server.data.parent.rglob("sneaky*")) == ["sneaky.yaml"]
    assert (server.data / "uploads" / "sneaky.yaml").is_file()
    response = client.post("/upload", files={"file": ("mine.yaml", data)},
                           follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/scenarios/upload/mine.yaml"
    assert client.get("/scenarios/upload/mine.yaml").status_code == 200


def test_counterfactual_table_equals_the_library(client):
    form = {"off_X1": "on", "futures": "300", "months": "4", "seed": "5"}
    response = client.post("/scenarios/folder/hostile.yaml/counterfactual", data=form,
                           follow_redirects=False)
    job = response.headers["location"].rsplit("/", 1)[1]
    assert wait_done(client, job)["status"] == "done"
    page = client.get(f"/jobs/{job}").text
    cf = pn.counterfactual(str(FIXTURES / "hostile.yaml"), without=["X1"], futures=300,
                           months=4, seed=5, progress=False)
    for row in cf.table().itertuples():
        assert (f'data-outcome="{row.outcome}" data-difference="{row.difference!r}" '
                f'data-low="{row.low!r}" data-high="{row.high!r}" '
                f'data-significant="{str(bool(row.significant)).lower()}"') in page


def test_token_is_required_off_loopback_and_checked(tmp_path):
    with pytest.raises(ConfigError, match="without a token"):
        WebConfig(data=tmp_path, host="0.0.0.0")
    result = CliRunner().invoke(cli_app, ["serve", "--host", "0.0.0.0", "--data",
                                          str(tmp_path)], env={"PENINSULA_TOKEN": ""})
    assert result.exit_code == 2 and "without a token" in result.output
    srv = make_server(tmp_path, token="s3cret-token-value").start()
    try:
        assert httpx.get(srv.url + "/").status_code == 401
        assert httpx.get(srv.url + "/", headers={"Authorization": "Bearer wrong-token"}
                         ).status_code == 401
        ok = httpx.get(srv.url + "/", headers={"Authorization": "Bearer s3cret-token-value"})
        assert ok.status_code == 200
        with httpx.Client(base_url=srv.url) as c:
            first = c.get("/?token=s3cret-token-value", follow_redirects=False)
            assert first.status_code == 303 and "token" not in first.headers["location"]
            assert c.get("/").status_code == 200
    finally:
        srv.stop()


def test_jobs_running_when_the_server_died_are_marked_interrupted(tmp_path):
    from peninsula.web.catalogue import Catalogue

    cat = Catalogue(tmp_path / "catalogue.duckdb")
    for job_id, status in (("a", "running"), ("b", "queued"), ("c", "done")):
        cat.add(job_id=job_id, kind="run", scenario="s", scenario_ref="s", scenario_sha256="0",
                seed=1, parameters={"futures": 10}, folder=str(tmp_path / job_id))
        cat.set_status(job_id, status)
    cat.close()  # the server dies here: no shutdown marks anything
    reopened = Catalogue(tmp_path / "catalogue.duckdb")
    assert reopened.interrupted == 2
    assert {j.id: j.status for j in reopened.list()} == {
        "a": "interrupted", "b": "interrupted", "c": "done"}
    assert reopened.get("a").parameters == {"futures": 10}


def test_an_exploration_on_disk_is_reopened_and_browsed(client, server):
    pn.explore(str(server.scenarios / "hostile.yaml"), out=server.data / "explorations" / "ex1",
               samples=3, futures=10, months=2, progress=False)
    assert "ex1" in client.get("/explorations").text
    for bad in ("../runs", "/etc", "..%2Fruns", "ex1/../../"):
        assert 400 <= client.post("/explorations/open", data={"folder": bad}).status_code < 500
    opened = client.post("/explorations/open", data={"folder": "ex1"}, follow_redirects=False)
    job = opened.headers["location"]
    page = client.get(job).text
    analysis = pn.open_exploration(server.data / "explorations" / "ex1").analyze()
    rows = [r for r in analysis.per_policy if r.outcome == analysis.outcome]
    for r in rows:
        assert f'data-value="{r.estimate.value!r}"' in page
    other = pn.open_exploration(server.data / "explorations" / "ex1").results.outcomes[1]["id"]
    part = client.get(f"{job}?outcome={other}", headers={"HX-Request": "true"}).text
    assert part.startswith('<div id="analysis">') and "<html" not in part
    assert client.get(f"{job}?outcome=nope").status_code == 400
    assert client.get(f"{job}/files/exploration.duckdb").status_code == 200


def test_an_oversized_upload_is_refused_before_reading(client):
    response = client.post("/upload", content=b"x" * (7 * 1024 * 1024),
                           headers={"content-type": "multipart/form-data; boundary=zz"})
    assert response.status_code == 413
