#!/usr/bin/env python3
"""Run a workflow's job as the GitHub Actions runner would, for the tests.

Usage: action-runner.py WORKFLOW JOB

Runs the steps of JOB in WORKFLOW (YAML): `run:` steps, `uses: ./` (the
composite action in action.yml at the top of the working directory, its
steps run in turn) and `actions/checkout` (nothing: the working directory
is the checkout).  As the runner does:

- each step runs as `bash --noprofile --norc -eo pipefail FILE`, its script
  in a file under $RUNNER_TEMP, with fresh GITHUB_ENV, GITHUB_OUTPUT and
  GITHUB_PATH files; after the step, GITHUB_ENV's variables go into the
  environment of the later steps, GITHUB_OUTPUT's into steps.ID.outputs
  and GITHUB_PATH's lines before PATH (tests/lib/github-env.py reads the first
  two);
- ${{ }} expressions: secrets.*, vars.*, inputs.*, env.*, github.*,
  steps.ID.outputs.*; nothing else (an error here);
- the log is each step's stdout and stderr, with every value of
  `::add-mask::VALUE` (escaped %25, %0D, %0A) and every secret replaced by
  *** from that line on; the ::add-mask:: lines themselves are not shown.

Secrets and vars come from the environment as JSON objects in
CT_RUNNER_SECRETS and CT_RUNNER_VARS; CT_RUNNER_WATCH is a JSON list of
values (the token) that must never appear in the log before their mask.
CT_RUNNER_SERVER_URL is GITHUB_SERVER_URL (default https://github.com);
CT_RUNNER_ACTION_REPOSITORY, when set, is the action's
GITHUB_ACTION_REPOSITORY, as for an action used from a repository.

The log goes to stdout.  Exits 1 with one line on stderr, after the log,
when a step fails, when a watched value is in a line before a mask covers
it, when a secret is in any line at all (the runner would mask it; an
action that prints it is wrong all the same), or when the action or the workflow breaks a rule: a
composite step without `shell: bash`, ${{ }} inside a `run:` script, an
input or output named like a token or a secret, a `uses:` other than ./
and actions/checkout.
"""

import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location(
    "github_env", os.path.join(HERE, "github-env.py"))
github_env = importlib.util.module_from_spec(spec)
spec.loader.exec_module(github_env)

EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


class Failure(Exception):
    pass


class Log:
    """The job's log: masks applied, leaks found."""

    def __init__(self, secrets, watch):
        self.masks = [s for s in secrets if s]
        self.secrets = list(self.masks)
        self.watch = [w for w in watch if w]
        self.lines = []
        self.leaks = []

    def add_mask(self, escaped):
        value = (escaped.replace("%0D", "\r").replace("%0A", "\n")
                 .replace("%25", "%"))
        if value:
            self.masks.append(value)

    def render(self, line):
        for m in sorted(self.masks, key=len, reverse=True):
            line = line.replace(m, "***")
        return line

    def feed(self, text):
        for line in text.splitlines():
            if line.startswith("::add-mask::"):
                self.add_mask(line[len("::add-mask::"):])
                # the runner shows no ::add-mask:: line
                continue
            shown = self.render(line)
            where = "line %d" % (len(self.lines) + 1)
            # stricter than the runner, which masks secrets: an action
            # that prints one at all is wrong
            if any(v in line for v in self.secrets):
                self.leaks.append("a secret in the log: " + where)
            if any(v in shown for v in self.watch):
                self.leaks.append("the token in the log before its mask: "
                                  + where)
            self.lines.append(shown)
            print(shown)


def evaluate(text, ctx, where):
    """Replace each ${{ CONTEXT.PATH }} in text."""
    def one(m):
        parts = m.group(1).split(".")
        cur = ctx
        for p in parts:
            if not isinstance(cur, dict) or p not in cur:
                if parts[0] in ("secrets", "vars", "inputs", "env") \
                        and len(parts) == 2:
                    return ""
                if parts[0] == "steps" and len(parts) == 4:
                    return ""
                raise Failure("%s: unsupported expression %r"
                              % (where, m.group(0)))
            cur = cur[p]
        if isinstance(cur, dict):
            raise Failure("%s: %r is not a value" % (where, m.group(0)))
        return str(cur)
    return EXPR.sub(one, str(text))


def check_action(action):
    if action.get("runs", {}).get("using") != "composite":
        raise Failure("action.yml: runs.using is not composite")
    for kind in ("inputs", "outputs"):
        for name in action.get(kind) or {}:
            if re.search(r"token$|^token|secret", name) and \
                    not (kind == "inputs" and name == "client-secret"):
                raise Failure("action.yml: %s %r" % (kind[:-1], name))
    for i, step in enumerate(action["runs"]["steps"], 1):
        if step.get("shell") != "bash":
            raise Failure("action.yml: step %d has no shell: bash" % i)
        if "run" in step and "${{" in step["run"]:
            raise Failure("action.yml: step %d: ${{ }} in run:" % i)


class Job:
    def __init__(self, workdir, secrets, vars_, watch):
        self.workdir = workdir
        self.secrets = secrets
        self.vars = vars_
        self.log = Log(list(secrets.values()), watch)
        self.temp = tempfile.mkdtemp(prefix="runner-temp.")
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("GITHUB_", "COLLIBRA_", "CT_RUNNER_",
                                         "RUNNER_"))}
        self.env.update({
            "CI": "true", "GITHUB_ACTIONS": "true", "RUNNER_OS": "Linux",
            "RUNNER_TEMP": self.temp, "GITHUB_WORKSPACE": workdir,
            "GITHUB_SERVER_URL": os.environ.get("CT_RUNNER_SERVER_URL",
                                                "https://github.com"),
        })
        self.paths = []
        self.n = 0

    def context(self, steps, inputs=None, action_path=None):
        gh = {"workspace": self.workdir}
        if action_path:
            gh["action_path"] = action_path
        return {"secrets": self.secrets, "vars": self.vars,
                "inputs": inputs or {}, "env": self.env, "github": gh,
                "steps": steps}

    def run_script(self, step, ctx, extra_env, where):
        self.n += 1
        files = {}
        for f in ("env", "output", "path"):
            files[f] = os.path.join(self.temp, "_%s_%d" % (f, self.n))
            open(files[f], "w").close()
        script = os.path.join(self.temp, "_step_%d.sh" % self.n)
        with open(script, "w") as fh:
            fh.write(step["run"])
        env = dict(self.env)
        if self.paths:
            env["PATH"] = ":".join(reversed(self.paths)) + ":" + env["PATH"]
        for k, v in (step.get("env") or {}).items():
            env[k] = evaluate(v, ctx, where)
        env.update(extra_env)
        env.update({"GITHUB_ENV": files["env"],
                    "GITHUB_OUTPUT": files["output"],
                    "GITHUB_PATH": files["path"]})
        p = subprocess.run(["bash", "--noprofile", "--norc", "-eo",
                            "pipefail", script], cwd=self.workdir, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.log.feed(p.stdout.decode("utf-8", "replace"))
        if p.returncode != 0:
            raise Failure("%s: exit %d" % (where, p.returncode))
        for f in ("env", "output"):
            with open(files[f], "rb") as fh:
                text = fh.read().decode("utf-8", "surrogateescape")
            try:
                files[f] = github_env.parse(text)
            except ValueError as e:
                raise Failure("%s: GITHUB_%s: %s" % (where, f.upper(), e))
        self.env.update(files["env"])
        with open(files["path"]) as fh:
            self.paths += [ln.strip() for ln in fh if ln.strip()]
        return files["output"]

    def run_action(self, step, ctx, where):
        path = self.workdir
        with open(os.path.join(path, "action.yml")) as fh:
            action = yaml.safe_load(fh)
        check_action(action)
        inputs = {}
        given = {k: evaluate(v, ctx, where)
                 for k, v in (step.get("with") or {}).items()}
        for name, spec_ in (action.get("inputs") or {}).items():
            if name in given:
                inputs[name] = given.pop(name)
            elif spec_.get("required"):
                raise Failure("%s: input %r required" % (where, name))
            else:
                inputs[name] = str(spec_.get("default", ""))
        if given:
            raise Failure("%s: unknown inputs %s" % (where, sorted(given)))
        steps = {}
        extra = {"GITHUB_ACTION_PATH": path}
        # set by the runner for an action from a repository, not for ./
        repo = os.environ.get("CT_RUNNER_ACTION_REPOSITORY")
        if repo:
            extra["GITHUB_ACTION_REPOSITORY"] = repo
        for i, s in enumerate(action["runs"]["steps"], 1):
            actx = self.context(steps, inputs, path)
            out = self.run_script(s, actx, extra,
                                  "%s, action step %d" % (where, i))
            if "id" in s:
                steps[s["id"]] = {"outputs": out}
        actx = self.context(steps, inputs, path)
        return {k: evaluate(v.get("value", ""), actx, where)
                for k, v in (action.get("outputs") or {}).items()}

    def run(self, job):
        for k, v in (job.get("env") or {}).items():
            self.env[k] = evaluate(v, self.context({}), "job env")
        steps = {}
        for i, s in enumerate(job["steps"], 1):
            where = "step %d (%s)" % (i, s.get("name") or s.get("uses") or "run")
            ctx = self.context(steps)
            if "uses" in s:
                if s["uses"].startswith("actions/checkout@"):
                    continue
                if s["uses"] != "./":
                    raise Failure("%s: uses %s" % (where, s["uses"]))
                out = self.run_action(s, ctx, where)
            else:
                if "${{" in s["run"]:
                    raise Failure("%s: ${{ }} in run:" % where)
                out = self.run_script(s, ctx, {}, where)
            if "id" in s:
                steps[s["id"]] = {"outputs": out}


def main():
    if len(sys.argv) != 3:
        sys.stderr.write("usage: action-runner.py WORKFLOW JOB\n")
        sys.exit(2)
    with open(sys.argv[1]) as fh:
        wf = yaml.safe_load(fh)
    job = wf["jobs"][sys.argv[2]]
    r = Job(os.getcwd(), json.loads(os.environ.get("CT_RUNNER_SECRETS", "{}")),
            json.loads(os.environ.get("CT_RUNNER_VARS", "{}")),
            json.loads(os.environ.get("CT_RUNNER_WATCH", "[]")))
    try:
        r.run(job)
    except Failure as e:
        sys.stdout.flush()
        sys.stderr.write("action-runner.py: %s\n" % e)
        sys.exit(1)
    finally:
        subprocess.run(["rm", "-rf", r.temp])
    sys.stdout.flush()
    if r.log.leaks:
        sys.stderr.write("action-runner.py: %s\n" % r.log.leaks[0])
        sys.exit(1)


if __name__ == "__main__":
    main()
