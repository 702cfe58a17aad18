"""`kubectl version`, `api-resources`, `api-versions` and `cluster-info`."""

from __future__ import annotations

from kubia_tutor.api.kinds import EXTRA_API_VERSIONS, RESOURCE_TYPES
from kubia_tutor.shell.command import OUTPUT, Command, Context
from kubia_tutor.shell.errors import CommandError
from kubia_tutor.shell.flags import Flag, Parsed
from kubia_tutor.shell.printers import serialize, tabwriter

CLIENT_VERSION = {
    "major": "1", "minor": "20", "gitVersion": "v1.20.2",
    "gitCommit": "faecb196815e248d3ecfb03c680a4507229c2a56", "gitTreeState": "archive",
    "buildDate": "2025-06-08T22:40:27Z", "goVersion": "go1.19.8", "compiler": "gc",
    "platform": "linux/amd64",
}


def _info(info: dict[str, str]) -> str:
    fields = [("Major", "major"), ("Minor", "minor"), ("GitVersion", "gitVersion"),
              ("GitCommit", "gitCommit"), ("GitTreeState", "gitTreeState"),
              ("BuildDate", "buildDate"), ("GoVersion", "goVersion"),
              ("Compiler", "compiler"), ("Platform", "platform")]
    return "version.Info{" + ", ".join(f'{k}:"{info.get(v, "")}"' for k, v in fields) + "}"


def version(ctx: Context, parsed: Parsed) -> int:
    """`kubectl version`."""
    server = None
    if not parsed["client"]:
        server = ctx.client.raw_get("/version")
    fmt = parsed["output"]
    if fmt in ("yaml", "json"):
        doc: dict[str, object] = {"clientVersion": CLIENT_VERSION}
        if server is not None:
            doc["serverVersion"] = server
        ctx.out.write(serialize.to_yaml(doc) if fmt == "yaml" else serialize.to_json(doc))
        return 0
    if fmt:
        raise CommandError("--output must be 'yaml' or 'json'")
    if parsed["short"]:
        ctx.out.write(f"Client Version: {CLIENT_VERSION['gitVersion']}\n")
        if server is not None:
            ctx.out.write(f"Server Version: {server.get('gitVersion')}\n")
        return 0
    ctx.out.write(f"Client Version: {_info(CLIENT_VERSION)}\n")
    if server is not None:
        ctx.out.write(f"Server Version: {_info(server)}\n")
    return 0


def api_resources(ctx: Context, parsed: Parsed) -> int:
    """`kubectl api-resources`."""
    rows = []
    fmt = parsed["output"]
    if fmt not in ("", "wide", "name"):
        raise CommandError(f'--output {fmt} is not available')
    types = list(RESOURCE_TYPES)
    if parsed["api-group"] is not None:
        types = [rt for rt in types if rt.group == parsed["api-group"]]
    if parsed.changed("namespaced"):
        types = [rt for rt in types if rt.namespaced == parsed["namespaced"]]
    if parsed["verbs"]:
        types = [rt for rt in types if all(v in rt.verbs for v in parsed["verbs"])]
    types.sort(key=lambda rt: (rt.group != "", rt.group, rt.plural))
    if parsed["sort-by"] == "name":
        types.sort(key=lambda rt: rt.plural)
    elif parsed["sort-by"] == "kind":
        types.sort(key=lambda rt: rt.kind)
    if fmt == "name":
        for rt in types:
            ctx.out.write((f"{rt.plural}.{rt.group}" if rt.group else rt.plural) + "\n")
        return 0
    header = ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
    if fmt == "wide":
        header.append("VERBS")
    if not parsed["no-headers"]:
        rows.append(header)
    for rt in types:
        row = [rt.plural, ",".join(rt.short_names), rt.api_version,
               "true" if rt.namespaced else "false", rt.kind]
        if fmt == "wide":
            row.append("[" + " ".join(sorted(rt.verbs)) + "]")
        rows.append(row)
    ctx.out.write(tabwriter.table(rows))
    return 0


def api_versions(ctx: Context, parsed: Parsed) -> int:
    """`kubectl api-versions`."""
    versions = {rt.api_version for rt in RESOURCE_TYPES} | set(EXTRA_API_VERSIONS)
    for item in sorted(versions):
        ctx.out.write(item + "\n")
    return 0


def cluster_info(ctx: Context, parsed: Parsed) -> int:
    """`kubectl cluster-info`: the control plane and the services labelled as cluster
    services, in kubectl's colours."""
    if parsed.args and parsed.args[0] == "dump":
        raise CommandError("cluster-info dump is not supported by kubia-tutor; use "
                           "kubectl get all -A -o yaml")
    from kubia_tutor.api.kinds import resolve

    server = ctx.server
    ctx.out.write(f"\x1b[0;32mKubernetes control plane\x1b[0m is running at "
                  f"\x1b[0;33m{server}\x1b[0m\n")
    services = ctx.client.list(resolve("services"), "kube-system",
                               label_selector="kubernetes.io/cluster-service=true")
    for svc in services.get("items") or []:
        name = (svc["metadata"].get("labels") or {}).get("kubernetes.io/name") or \
            svc["metadata"]["name"]
        port = ((svc.get("spec") or {}).get("ports") or [{}])[0]
        link = f"{svc['metadata']['name']}:{port.get('name') or port.get('port')}"
        ctx.out.write(f"\x1b[0;32m{name}\x1b[0m is running at \x1b[0;33m{server}/api/v1/"
                      f"namespaces/kube-system/services/{link}/proxy\x1b[0m\n")
    ctx.out.write("\nTo further debug and diagnose cluster problems, use 'kubectl "
                  "cluster-info dump'.\n")
    return 0


VERSION = Command("version", "Print the client and server version information",
                  [Flag("client", kind="bool", default=False),
                   Flag("short", kind="bool", default=False), OUTPUT], version)
API_RESOURCES = Command(
    "api-resources", "Print the supported API resources on the server",
    [OUTPUT, Flag("api-group"), Flag("namespaced", kind="bool", default=True),
     Flag("verbs", kind="list"), Flag("sort-by", default=""),
     Flag("no-headers", kind="bool", default=False), Flag("cached", kind="bool", default=False)],
    api_resources)
API_VERSIONS = Command("api-versions", "Print the supported API versions on the server, in "
                       "the form of \"group/version\"", [], api_versions)
CLUSTER_INFO = Command("cluster-info", "Display cluster info", [], cluster_info)
