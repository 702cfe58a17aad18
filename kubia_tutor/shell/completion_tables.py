"""The data the completion engine works from: which arguments each verb takes, the values
some flags accept, and kubectl's help for the flags learners use most."""

from __future__ import annotations

# Which arguments a verb takes: `types` (TYPE [NAME...] or TYPE/NAME), `pods`, `nodes`.
ARGUMENTS = {
    "get": "types", "describe": "types", "delete": "types", "edit": "types", "label": "types",
    "annotate": "types", "patch": "types", "wait": "types", "explain": "types-only",
    "scale": "types", "rollout": "types", "expose": "types", "autoscale": "types",
    "set": "types", "logs": "pods", "exec": "pods", "attach": "pods", "port-forward": "pods",
    "cp": "pods", "cordon": "nodes", "uncordon": "nodes", "drain": "nodes",
}
# Verbs that act on a few types only; the others take any type that can be read.
TYPES_OF = {
    "scale": ("deployments", "replicasets", "replicationcontrollers", "statefulsets"),
    "autoscale": ("deployments", "replicasets", "replicationcontrollers", "statefulsets"),
    "rollout": ("deployments", "daemonsets", "statefulsets"),
    "expose": ("pods", "services", "replicationcontrollers", "deployments", "replicasets"),
    "set": ("pods", "replicationcontrollers", "deployments", "daemonsets", "jobs",
            "replicasets", "statefulsets", "cronjobs"),
}
OUTPUT_VALUES = (
    ("json", "JSON"), ("yaml", "YAML"), ("wide", "more columns"), ("name", "type/name only"),
    ("jsonpath=", "a JSONPath template"), ("jsonpath-file=", "a JSONPath template file"),
    ("custom-columns=", "NAME:.path,..."), ("custom-columns-file=", "a columns file"),
    ("go-template=", "a Go template"), ("go-template-file=", "a Go template file"),
)
FLAG_VALUES: dict[str, tuple[str, ...]] = {
    "dry-run": ("none", "client", "server"),
    "cascade": ("background", "foreground", "orphan"),
    "image-pull-policy": ("Always", "IfNotPresent", "Never"),
    "restart": ("Always", "OnFailure", "Never"),
    "for": ("condition=Ready", "condition=Available", "condition=Complete", "delete"),
    "session-affinity": ("None", "ClientIP"),
    "protocol": ("TCP", "UDP", "SCTP"),
}
TYPE_VALUES = {"expose": ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName"),
                "patch": ("strategic", "merge", "json")}
# kubectl's help for the flags learners use most; others show their kind and default.
FLAG_HELP = {
    "output": "Output format: json|yaml|wide|name|jsonpath=...|custom-columns=...",
    "selector": "Selector (label query) to filter on",
    "all-namespaces": "Across all namespaces",
    "filename": "Filename, directory, or URL to files",
    "recursive": "Process the directory used in -f recursively",
    "watch": "After listing, watch for changes",
    "show-labels": "Show all labels as the last column",
    "label-columns": "Labels to present as columns",
    "namespace": "The namespace scope for this request",
    "container": "Container name",
    "follow": "Stream the logs",
    "previous": "Logs of the previous instance of the container",
    "stdin": "Pass stdin to the container",
    "tty": "Stdin is a TTY",
    "replicas": "The desired number of replicas",
    "image": "The image for the container",
    "port": "The port to serve on or expose",
    "target-port": "The port the service forwards to",
    "dry-run": "none, client or server: only print what would be sent",
    "labels": "Comma separated labels to apply",
    "overwrite": "Allow existing values to be overwritten",
    "all": "Select all resources of the given types",
    "record": "Record the command in the kubernetes.io/change-cause annotation",
    "help": "Help for this command",
    "sort-by": "Sort list types by this JSONPath field",
    "no-headers": "Don't print headers",
    "ignore-not-found": "Treat \"resource not found\" as a success",
    "grace-period": "Seconds given to the resource to terminate gracefully",
    "force": "Delete immediately, without waiting",
    "cascade": "background, foreground or orphan dependents",
    "type": "The type: ClusterIP, NodePort... (expose); strategic, merge, json (patch)",
    "name": "The name of the new object",
    "restart": "The pod's restart policy",
    "env": "Environment variables to set in the container",
    "rm": "Delete the pod after it exits",
    "tail": "Lines of recent log to show",
    "timestamps": "Include timestamps on each log line",
    "context": "The kubeconfig context to use",
    "kubeconfig": "Path to the kubeconfig file",
    "from-literal": "A key and literal value (key=value)",
    "from-file": "A key file or directory",
    "schedule": "A cron schedule",
    "for": "The condition to wait for",
    "timeout": "How long to wait",
    "to-revision": "The revision to roll back to",
    "revision": "Show the details of this revision",
    "show-events": "Show related events",
    "show-kind": "Show the resource type",
    "template": "The template for -o go-template or jsonpath",
    "field-selector": "Selector (field query) to filter on",
}
