"""Services through the shell: `get endpoints`, `describe service|endpoints` on live objects
(the book's kubia, external-service and kubia-headless), `kubectl expose`, and the API
server's defaulting, validation and allocation of services as 1.20 applies them."""

from __future__ import annotations

import re

from harness import Shell

from kubia_tutor.api.kinds import resolve

SERVICES = resolve("services")
ENDPOINTS = resolve("endpoints")

RC = """apiVersion: v1
kind: ReplicationController
metadata:
  name: kubia
spec:
  replicas: {replicas}
  selector:
    app: kubia
  template:
    metadata:
      labels:
        app: kubia
    spec:
      containers:
      - name: kubia
        image: luksa/kubia
        ports:
        - name: http
          containerPort: 8080
"""

EXTERNAL_SERVICE = """apiVersion: v1
kind: Service
metadata:
  name: external-service
spec:
  ports:
  - port: 80
"""

EXTERNAL_ENDPOINTS = """apiVersion: v1
kind: Endpoints
metadata:
  name: external-service
subsets:
  - addresses:
    - ip: 11.11.11.11
    - ip: 22.22.22.22
    ports:
    - port: 80
"""

HEADLESS = """apiVersion: v1
kind: Service
metadata:
  name: kubia-headless
spec:
  clusterIP: None
  ports:
  - name: http
    port: 80
    targetPort: http
  selector:
    app: kubia
"""


def pod_ips(shell: Shell) -> list[str]:
    pods = shell.cluster.api.list(resolve("pods"), "default")["items"]
    return sorted(p["status"]["podIP"] for p in pods)


def cluster_ip(shell: Shell, name: str) -> str:
    return str(shell.cluster.api.get(SERVICES, "default", name)["spec"]["clusterIP"])


def test_get_endpoints_shows_three_then_more(shell: Shell) -> None:
    shell.write("rc.yaml", RC.format(replicas=4))
    shell.run("kubectl create -f rc.yaml", "kubectl expose rc kubia --port=80 --target-port=8080")
    ips = pod_ips(shell)
    assert len(ips) == 4
    result = shell.run("kubectl get endpoints kubia")
    shown = ",".join(f"{ip}:8080" for ip in ips[:3])
    assert result.out.splitlines()[1].split()[:5] == ["kubia", shown, "+", "1", "more..."]
    assert result.out.splitlines()[0].split() == ["NAME", "ENDPOINTS", "AGE"]


def test_get_endpoints_without_pods_says_none(shell: Shell) -> None:
    shell.write("svc.yaml", HEADLESS)
    shell.run("kubectl create -f svc.yaml")
    out = shell.run("kubectl get ep kubia-headless").out
    assert out.splitlines()[1].split()[:2] == ["kubia-headless", "<none>"]


def test_describe_service_lists_endpoints_as_kubectl_1_20(shell: Shell) -> None:
    shell.write("rc.yaml", RC.format(replicas=3))
    shell.run("kubectl create -f rc.yaml", "kubectl expose rc kubia --port=80 --target-port=8080")
    ips = pod_ips(shell)
    ip = cluster_ip(shell, "kubia")
    out = shell.run("kubectl describe svc kubia").out
    assert out == (
        "Name:              kubia\n"
        "Namespace:         default\n"
        "Labels:            app=kubia\n"
        "Annotations:       <none>\n"
        "Selector:          app=kubia\n"
        "Type:              ClusterIP\n"
        "IP Families:       <none>\n"
        f"IP:                {ip}\n"
        f"IPs:               {ip}\n"
        "Port:              <unset>  80/TCP\n"
        "TargetPort:        8080/TCP\n"
        f"Endpoints:         {','.join(i + ':8080' for i in ips)}\n"
        "Session Affinity:  None\n"
        "Events:            <none>\n")


def test_external_service_with_hand_written_endpoints(shell: Shell) -> None:
    """The book's external-service: no selector, Endpoints created by hand, kept as they are."""
    shell.write("external-service.yml", EXTERNAL_SERVICE)
    shell.write("external-service-endpoints.yml", EXTERNAL_ENDPOINTS)
    result = shell.run("kubectl create -f external-service.yml",
                       "kubectl create -f external-service-endpoints.yml")
    assert result.out == "service/external-service created\nendpoints/external-service created\n"
    ip = cluster_ip(shell, "external-service")
    out = shell.run("kubectl describe svc external-service").out
    assert out == (
        "Name:              external-service\n"
        "Namespace:         default\n"
        "Labels:            <none>\n"
        "Annotations:       <none>\n"
        "Selector:          <none>\n"
        "Type:              ClusterIP\n"
        "IP Families:       <none>\n"
        f"IP:                {ip}\n"
        f"IPs:               {ip}\n"
        "Port:              <unset>  80/TCP\n"
        "TargetPort:        80/TCP\n"
        "Endpoints:         11.11.11.11:80,22.22.22.22:80\n"
        "Session Affinity:  None\n"
        "Events:            <none>\n")
    assert shell.run("kubectl describe endpoints external-service").out == (
        "Name:         external-service\n"
        "Namespace:    default\n"
        "Labels:       <none>\n"
        "Annotations:  <none>\n"
        "Subsets:\n"
        "  Addresses:          11.11.11.11,22.22.22.22\n"
        "  NotReadyAddresses:  <none>\n"
        "  Ports:\n"
        "    Name     Port  Protocol\n"
        "    ----     ----  --------\n"
        "    <unset>  80    TCP\n"
        "\n"
        "Events:  <none>\n")


def test_headless_service_describes_with_named_target_port(shell: Shell) -> None:
    shell.write("rc.yaml", RC.format(replicas=3))
    shell.write("headless.yml", HEADLESS)
    shell.run("kubectl create -f rc.yaml", "kubectl create -f headless.yml")
    out = shell.run("kubectl describe svc kubia-headless").out
    ips = pod_ips(shell)
    assert "IP:                None\n" in out
    assert "Port:              http  80/TCP\nTargetPort:        http/TCP\n" in out
    assert f"Endpoints:         {','.join(i + ':8080' for i in ips)}\n" in out
    ep = shell.run("kubectl describe ep kubia-headless").out
    assert "Labels:       service.kubernetes.io/headless=\n" in ep
    assert f"  Addresses:          {','.join(ips)}\n" in ep
    assert "    http  8080  TCP\n" in ep


def test_nodeport_service_describes_node_port_and_traffic_policy(shell: Shell) -> None:
    shell.write("np.yaml", """apiVersion: v1
kind: Service
metadata:
  name: kubia-nodeport
spec:
  type: NodePort
  ports:
  - port: 80
    targetPort: 8080
    nodePort: 30123
  selector:
    app: kubia
""")
    shell.run("kubectl create -f np.yaml")
    out = shell.run("kubectl describe svc kubia-nodeport").out
    assert "NodePort:                 <unset>  30123/TCP\n" \
           "Endpoints:                <none>\n" \
           "Session Affinity:         None\n" \
           "External Traffic Policy:  Cluster\n" in out
    row = shell.run("kubectl get svc kubia-nodeport").out.splitlines()[1].split()
    assert row[1] == "NodePort" and row[4] == "80:30123/TCP"


# kubectl expose --------------------------------------------------------------------------------


def test_expose_objects_take_their_selector_and_ports(shell: Shell) -> None:
    shell.write("rc.yaml", RC.format(replicas=1))
    result = shell.run(
        "kubectl create -f rc.yaml",
        "kubectl expose rc kubia --type=LoadBalancer --name kubia-http",
        "kubectl create deployment web --image=nginx",
        "kubectl expose deployment web --port=80 --target-port=8080 --type=NodePort",
        "kubectl run solo --image=luksa/kubia --port=8080",
        "kubectl expose pod solo --name=solo-svc --session-affinity=ClientIP",
        "kubectl expose svc kubia-http --name=copy --port=81")
    assert result.err == ""
    assert "service/kubia-http exposed\n" in result.out
    api = shell.cluster.api
    http = api.get(SERVICES, "default", "kubia-http")["spec"]
    assert http["selector"] == {"app": "kubia"} and http["type"] == "LoadBalancer"
    assert http["ports"][0]["port"] == 8080 and http["externalTrafficPolicy"] == "Cluster"
    assert 30000 <= http["ports"][0]["nodePort"] <= 32767
    web = api.get(SERVICES, "default", "web")["spec"]
    assert web["selector"] == {"app": "web"}
    assert (web["ports"][0]["port"], web["ports"][0]["targetPort"]) == (80, 8080)
    solo = api.get(SERVICES, "default", "solo-svc")["spec"]
    assert solo["selector"] == {"run": "solo"}
    assert solo["sessionAffinityConfig"] == {"clientIP": {"timeoutSeconds": 10800}}
    copy = api.get(SERVICES, "default", "copy")["spec"]
    assert copy["selector"] == {"app": "kubia"} and copy["ports"][0]["port"] == 81
    assert copy["type"] == "ClusterIP"


def test_expose_errors_are_kubectls(shell: Shell) -> None:
    shell.run("kubectl create deployment noport --image=nginx")
    result = shell.run("kubectl expose deployment noport")
    assert result.err == ("error: couldn't find port via --port flag or introspection\n"
                          "See 'kubectl expose -h' for help and examples\n")
    assert result.code == 1
    assert shell.run("kubectl expose node minikube").err == "error: cannot expose a Node\n"
    assert shell.run("kubectl expose pod nope --port=80").err == \
        'Error from server (NotFound): pods "nope" not found\n'
    assert "Traceback" not in shell.run("kubectl expose svc kubernetes --port=1").err


# API semantics -------------------------------------------------------------------------------


def create(shell: Shell, name: str, body: str) -> str:
    shell.write(f"{name}.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n"
                                f"  name: {name}\nspec:\n{body}")
    result = shell.run(f"kubectl create -f {name}.yaml")
    return result.out + result.err


def test_defaulting_fills_what_the_1_20_server_fills(shell: Shell) -> None:
    create(shell, "d", "  type: NodePort\n  sessionAffinity: ClientIP\n  ports:\n"
                       "  - port: 80\n")
    spec = shell.cluster.api.get(SERVICES, "default", "d")["spec"]
    port = spec["ports"][0]
    assert (port["protocol"], port["targetPort"]) == ("TCP", 80)
    assert spec["externalTrafficPolicy"] == "Cluster"
    assert spec["sessionAffinityConfig"] == {"clientIP": {"timeoutSeconds": 10800}}
    assert spec["clusterIPs"] == [spec["clusterIP"]]
    create(shell, "e", "  ports:\n  - port: 80\n")
    spec = shell.cluster.api.get(SERVICES, "default", "e")["spec"]
    assert (spec["type"], spec["sessionAffinity"]) == ("ClusterIP", "None")
    assert "externalTrafficPolicy" not in spec


def test_validation_messages(shell: Shell) -> None:
    assert create(shell, "m", "  ports:\n  - port: 80\n  - port: 443\n") == (
        'The Service "m" is invalid: \n* spec.ports[0].name: Required value\n'
        "* spec.ports[1].name: Required value\n")
    assert create(shell, "d", "  ports:\n  - {name: a, port: 80}\n  - {name: b, port: 80}\n") \
        == ('The Service "d" is invalid: spec.ports[1]: Duplicate value: core.ServicePort{'
            'Name:"", Protocol:"TCP", AppProtocol:(*string)(nil), Port:80, '
            'TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}\n')
    assert "spec.ports[0].targetPort: Invalid value: \"Bad_Name\"" in \
        create(shell, "t", "  ports:\n  - {port: 80, targetPort: Bad_Name}\n")
    assert create(shell, "en", "  type: ExternalName\n") == \
        'The Service "en" is invalid: spec.externalName: Required value\n'
    assert create(shell, "en2", "  type: ExternalName\n  externalName: api.example.com\n") == \
        "service/en2 created\n"
    spec = shell.cluster.api.get(SERVICES, "default", "en2")["spec"]
    assert "clusterIP" not in spec and "clusterIPs" not in spec
    assert create(shell, "np", "  type: NodePort\n  clusterIP: None\n  ports:\n"
                               "  - port: 80\n") == \
        "The Service \"np\" is invalid: spec.clusterIP: Invalid value: \"None\": may not be " \
        "set to 'None' for NodePort services\n"


def test_cluster_ip_is_kept_and_cannot_be_unset_or_changed(shell: Shell) -> None:
    create(shell, "kubia", "  ports:\n  - port: 80\n")
    ip = cluster_ip(shell, "kubia")
    # `kubectl replace` of the file it came from: 1.20 refuses the missing address.
    result = shell.run("kubectl replace -f kubia.yaml")
    assert result.err == ('The Service "kubia" is invalid: spec.clusterIPs[0]: Invalid value: '
                          "[]string(nil): primary clusterIP can not be unset\n")
    shell.write("moved.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: kubia\n"
                              "spec:\n  clusterIP: 10.96.7.7\n  ports:\n  - port: 80\n")
    assert shell.run("kubectl replace -f moved.yaml").err == (
        'The Service "kubia" is invalid: spec.clusterIPs[0]: Invalid value: '
        '[]string{"10.96.7.7"}: may not change once set\n')
    # apply and patch leave the address alone
    assert shell.run("kubectl patch svc kubia -p "
                     "'{\"spec\":{\"sessionAffinity\":\"ClientIP\"}}'").err == ""
    assert cluster_ip(shell, "kubia") == ip


def test_node_ports_are_unique_on_create_and_update(shell: Shell) -> None:
    create(shell, "a", "  type: NodePort\n  ports:\n  - {port: 80, nodePort: 30123}\n")
    assert create(shell, "b", "  type: NodePort\n  ports:\n  - {port: 80, nodePort: 30123}\n") \
        == ('The Service "b" is invalid: spec.ports[0].nodePort: Invalid value: 30123: '
            "provided port is already allocated\n")
    create(shell, "c", "  ports:\n  - port: 80\n")
    # A ClusterIP service that becomes NodePort gets a node port allocated...
    assert shell.run("kubectl patch svc c -p '{\"spec\":{\"type\":\"NodePort\"}}'").err == ""
    port = shell.cluster.api.get(SERVICES, "default", "c")["spec"]["ports"][0]
    assert 30000 <= port["nodePort"] <= 32767 and port["nodePort"] != 30123
    # ...and may not take one another service holds, while keeping its own is fine.
    result = shell.run("kubectl patch svc c --type=json -p "
                       "'[{\"op\":\"replace\",\"path\":\"/spec/ports/0/nodePort\","
                       "\"value\":30123}]'")
    assert result.err == ('The Service "c" is invalid: spec.ports[0].nodePort: Invalid value: '
                          "30123: provided port is already allocated\n")
    assert shell.run("kubectl label svc a x=y").err == ""


def test_get_services_table(shell: Shell) -> None:
    create(shell, "kubia", "  ports:\n  - port: 80\n    targetPort: 8080\n")
    create(shell, "ext", "  type: ExternalName\n  externalName: api.somecompany.com\n"
                         "  ports:\n  - port: 80\n")
    out = shell.run("kubectl get svc").out
    rows = {line.split()[0]: line.split()[1:5] for line in out.splitlines()[1:]}
    assert rows["ext"] == ["ExternalName", "<none>", "api.somecompany.com", "80/TCP"]
    assert rows["kubernetes"] == ["ClusterIP", "10.96.0.1", "<none>", "443/TCP"]
    assert re.fullmatch(r"10\.\d+\.\d+\.\d+", rows["kubia"][1])
