#!/usr/bin/env python3
"""A Kubernetes Pod manifest of deploy/kubernetes/, as podman 4.3 can play it.

Usage:
    kube-podman.py MANIFEST DIR [--name POD] [--image OLD=NEW]...
                   [--command CTR=SHELL]... [--env CTR:NAME=VALUE]...
                   [--mount CTR:HOSTPATH:PATH]...

Writes the pod for `podman kube play` to stdout, and the plan of its start
to DIR/plan: one line per container in the order the kubelet starts them,
"sidecar NAME PROBE..." (tab-separated; PROBE is the startupProbe's exec
command), "init NAME" or "app NAME".

Podman (Debian 12's 4.3) plays the manifest's images, args, env, users,
read-only roots and volume mounts as they are, and its init containers in
order, but lacks four things of the kubelet; each is stood in for as the
kubelet does it, and nothing else is changed:

- native sidecars (an init container with restartPolicy: Always, and its
  startupProbe; podman refuses probes on init containers and would wait
  for the sidecar to exit): it becomes the first container, and the plan
  tells the test to start it, wait for its probe to pass (podman exec),
  then start the others, as the kubelet does;
- fsGroup (ignored by podman): the group is added to supplementalGroups,
  and each emptyDir is a directory DIR/VOLUME with that group, mode 02777
  (the kubelet's emptyDir after SetVolumeOwnership), bound as a hostPath;
- secret volumes (podman 4.3's kube play dereferences a nil pointer on
  them): DIR/VOLUME, which the caller fills as the kubelet's atomic writer
  does (FILE -> ..data/FILE), bound as a hostPath;
- images of a registry we cannot reach: --image OLD=NEW, and --command CTR=SHELL
  for a placeholder application's command (sh -c SHELL); --env and --mount point the tool
  at the mock server and its CA, --name keeps parallel runs apart.
"""

import argparse
import os
import sys

import yaml


def fail(msg):
    sys.exit("kube-podman: " + msg)


def split(value, sep, count, what):
    parts = value.split(sep, count)
    if len(parts) != count + 1 or not all(parts):
        fail("bad %s: %r" % (what, value))
    return parts


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("manifest")
    ap.add_argument("dir")
    ap.add_argument("--name")
    ap.add_argument("--image", action="append", default=[])
    ap.add_argument("--command", action="append", default=[])
    ap.add_argument("--env", action="append", default=[])
    ap.add_argument("--mount", action="append", default=[])
    args = ap.parse_args()

    with open(args.manifest, encoding="utf-8") as f:
        pod = yaml.safe_load(f)
    if pod.get("kind") != "Pod":
        fail("%s: not a Pod" % args.manifest)
    spec = pod["spec"]
    if args.name:
        pod["metadata"]["name"] = args.name
    images = dict(split(i, "=", 1, "--image") for i in args.image)
    commands = {}
    for c in args.command:
        name, cmd = split(c, "=", 1, "--command")
        commands[name] = ["sh", "-c", cmd]

    # fsGroup: a supplementary group of every container, and the group
    # of each emptyDir (setgid, so that new files get it too)
    psc = spec.setdefault("securityContext", {})
    fs_group = psc.pop("fsGroup", None)
    # seccompProfile RuntimeDefault is podman's default already
    psc.pop("seccompProfile", None)
    if fs_group is not None:
        groups = psc.setdefault("supplementalGroups", [])
        if fs_group not in groups:
            groups.append(fs_group)
    for vol in spec.get("volumes", []):
        path = os.path.join(args.dir, vol["name"])
        if "emptyDir" in vol:
            os.mkdir(path)
            if fs_group is not None:
                os.chown(path, -1, fs_group)
            os.chmod(path, 0o2777 if fs_group is not None else 0o777)
            del vol["emptyDir"]
        elif "secret" in vol:
            if not os.path.isdir(path):
                fail("no %s for the secret volume %s" % (path, vol["name"]))
            del vol["secret"]
        else:
            continue
        vol["hostPath"] = {"path": path, "type": "Directory"}

    plan = []
    sidecars, inits = [], []
    for ctr in spec.get("initContainers", []):
        if ctr.pop("restartPolicy", None) == "Always":
            probe = ctr.pop("startupProbe", None)
            if not probe or "exec" not in probe:
                fail("sidecar %s has no exec startupProbe" % ctr["name"])
            sidecars.append(ctr)
            plan.append(["sidecar", ctr["name"]] + probe["exec"]["command"])
        else:
            inits.append(ctr)
            plan.append(["init", ctr["name"]])
    if sidecars and inits:
        fail("sidecars and one-shot init containers in one pod: not planned")
    for ctr in spec["containers"]:
        plan.append(["app", ctr["name"]])
    spec["containers"] = sidecars + spec["containers"]
    if inits:
        spec["initContainers"] = inits
    else:
        spec.pop("initContainers", None)

    everyone = spec["containers"] + inits
    names = {c["name"]: c for c in everyone}
    for c in everyone:
        c["image"] = images.get(c["image"], c["image"])
        if c["name"] in commands:
            c["command"] = commands[c["name"]]
            c.pop("args", None)
    for e in args.env:
        where, assign = split(e, ":", 1, "--env")
        name, value = split(assign, "=", 1, "--env")
        env = [v for v in names[where].setdefault("env", [])
               if v["name"] != name]
        names[where]["env"] = env + [{"name": name, "value": value}]
    for i, m in enumerate(args.mount):
        where, host, path = split(m, ":", 2, "--mount")
        vol = "kube-podman-%d" % i
        spec.setdefault("volumes", []).append(
            {"name": vol, "hostPath": {"path": host}})
        names[where].setdefault("volumeMounts", []).append(
            {"name": vol, "mountPath": path, "readOnly": True})

    with open(os.path.join(args.dir, "plan"), "w", encoding="utf-8") as f:
        for line in plan:
            f.write("\t".join(line) + "\n")
    yaml.safe_dump(pod, sys.stdout, sort_keys=False)


if __name__ == "__main__":
    main()
