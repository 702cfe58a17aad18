"""The programs of the book's images, as busybox sh scripts (behaviour from the book, code ours).

The HTTP apps are handlers for `http-serve` (see `base`): each is sourced once per request with
the request in variables, and answers with `respond STATUS FORMAT [ARGS...]`.
"""

from __future__ import annotations

# --- kubia and its versions ------------------------------------------------------------------

KUBIA_SERVER = r"""#!/bin/sh
# The kubia app: HTTP on 8080, the handler in /app/handler.sh.
echo "Kubia server starting..."
rm -f /tmp/kubia-requests    # the request count starts again with the process, as in memory
exec /usr/libexec/kubia-tutor/http-serve 8080 /app/handler.sh
"""

KUBIA_HANDLER = r"""# kubia (v1): who answered
log "Received request from $REMOTE_ADDR"
respond 200 "You've hit %s\n" "$HOSTNAME"
"""


def versioned_handler(version: str) -> str:
    """The handler of kubia:vN for a healthy version (v2, v4): its version and the pod."""
    return (f"# kubia:{version}: which version answered, and from which pod\n"
            'log "Received request from $REMOTE_ADDR"\n'
            f'respond 200 "This is {version} running in pod %s\\n" "$HOSTNAME"\n')


_COUNT_REQUEST = r"""count_request() {  # this request's number, since the server started
    n=$(cat /tmp/kubia-requests 2>/dev/null)
    n=$(( ${n:-0} + 1 ))
    echo "$n" > /tmp/kubia-requests
    echo "$n"
}
"""

KUBIA_V3_HANDLER = _COUNT_REQUEST + r"""# kubia:v3, the bad release: fails from the fifth request on
log "Received request from $REMOTE_ADDR"
if [ "$(count_request)" -ge 5 ]; then
    respond 500 "Some internal error has occurred! This is pod %s\n" "$HOSTNAME"
fi
respond 200 "This is v3 running in pod %s\n" "$HOSTNAME"
"""

KUBIA_UNHEALTHY_HANDLER = _COUNT_REQUEST + r"""# kubia-unhealthy: fine for five requests, then fails
log "Received request from $REMOTE_ADDR"
if [ "$(count_request)" -gt 5 ]; then
    respond 500 "I'm not well. Please restart me!"
fi
respond 200 "You've hit %s\n" "$HOSTNAME"
"""

# --- kubia-pet and kubia-pet-peers (StatefulSet chapter) ---------------------------------------

PET_SERVER = r"""#!/bin/sh
# The stateful kubia app: HTTP on 8080, data in /var/data/kubia.txt.
mkdir -p /var/data
exec /usr/libexec/kubia-tutor/http-serve 8080 /app/handler.sh
"""

_STORED_DATA = r"""DATA_FILE=/var/data/kubia.txt

stored_data() {
    if [ -f "$DATA_FILE" ]; then cat "$DATA_FILE"; else printf 'No data posted yet'; fi
}

store_body() {
    mkdir -p "${DATA_FILE%/*}"
    request_body > "$DATA_FILE.new" && mv "$DATA_FILE.new" "$DATA_FILE"
}
"""

PET_HANDLER = _STORED_DATA + r"""# kubia-pet: POST stores the body, GET shows it
if [ "$REQUEST_METHOD" = POST ]; then
    store_body
    log "New data has been received and stored."
    respond 200 "Data stored on pod %s\n" "$HOSTNAME"
fi
respond 200 "You've hit %s\nData stored on this pod: %s\n" "$HOSTNAME" "$(stored_data)"
"""

PEERS_HANDLER = _STORED_DATA + r"""# kubia-pet-peers: GET shows every peer's data (SRV records)
governing_service() {
    # $SERVICE_NAME when set; else the pod's FQDN in /etc/hosts less its first label; else
    # the StatefulSet's name (the hostname less its ordinal) in the first search domain
    if [ -n "$SERVICE_NAME" ]; then echo "$SERVICE_NAME"; return; fi
    fqdn=$(awk -v h="$HOSTNAME" '{ for (i = 2; i <= NF; i++) if (index($i, h ".") == 1) {
        print $i; exit } }' /etc/hosts 2>/dev/null)
    if [ -n "$fqdn" ]; then echo "${fqdn#*.}"; return; fi
    domain=$(awk '$1 == "search" { print $2; exit }' /etc/resolv.conf 2>/dev/null)
    echo "${HOSTNAME%-[0-9]*}.${domain:-default.svc.cluster.local}"
}

if [ "$REQUEST_METHOD" = POST ]; then
    store_body
    respond 200 "Data stored on pod %s\n" "$HOSTNAME"
fi
if [ "$REQUEST_PATH" = /data ]; then
    respond 200 '%s' "$(stored_data)"
fi
service=$(governing_service)
service=${service%.}
answer=$(nslookup -type=SRV "$service." 2>&1)
if ! printf '%s\n' "$answer" | grep -q 'service = '; then
    case $answer in
        *NXDOMAIN*) reason="ENOTFOUND" ;;
        *"timed out"*|*"no servers"*) reason="ETIMEOUT" ;;
        *) reason="ENODATA" ;;
    esac
    respond 200 "You've hit %s\nData stored in the cluster:\n%s" "$HOSTNAME" \
        "Could not look up DNS SRV records: Error: querySrv $reason $service"
fi
report=''
for peer in $(printf '%s\n' "$answer" | awk '/service = / { t = $NF; sub(/\.$/, "", t); print t }')
do
    data=$(curl -sS --max-time 5 "http://$peer:8080/data" 2>&1)
    case $data in "curl: ("*) data="Error: ${data#curl: (*) }" ;; esac
    report="$report- $peer: $data
"
done
respond 200 "You've hit %s\nData stored in the cluster:\n%s" "$HOSTNAME" "$report"
"""

# --- fortune (volumes and ConfigMap chapters) --------------------------------------------------

FORTUNE = r"""#!/bin/sh
# fortune: one saying from /usr/share/games/fortunes, at random
awk -v seed="$$$(date +%s)" 'BEGIN { srand(seed) } NF { line[++n] = $0 }
    END { if (n) print line[int(rand() * n) + 1] }' /usr/share/games/fortunes/*
"""


def fortune_loop(source: str) -> str:
    """/bin/fortuneloop.sh; `source` is how the interval is set: "fixed", "env" or "args"."""
    if source == "fixed":
        setup = "INTERVAL=10\n"
    elif source == "env":
        setup = ('[ -n "$INTERVAL" ] || INTERVAL=10\n'
                 'echo "Configured to generate new fortune every $INTERVAL seconds"\n')
    elif source == "args":
        setup = ('INTERVAL=${1:-10}\n'
                 'echo "Configured to generate new fortune every $INTERVAL seconds"\n')
    else:
        raise ValueError(f"unknown interval source {source!r}")
    return ("#!/bin/sh\n"
            f"# A new fortune in /var/htdocs/index.html every INTERVAL seconds ({source}).\n"
            + setup +
            "mkdir -p /var/htdocs\n"
            "while :; do\n"
            '    echo "$(date) Writing fortune to /var/htdocs/index.html"\n'
            "    /usr/games/fortune > /var/htdocs/index.html.new\n"
            "    mv /var/htdocs/index.html.new /var/htdocs/index.html\n"
            '    sleep "$INTERVAL"\n'
            "done\n")


FORTUNES = """\
A pod is a promise that its containers share a fate, a network and a hostname.
Labels are cheap; the selector that forgets one is not.
The scheduler never asks where you would like to run. It knows.
Every ReplicaSet believes it holds exactly the right number of pods.
Readiness is being able to help; liveness is merely breathing.
Nothing is as permanent as a temporary pod without an owner.
An emptyDir remembers everything until the pod forgets it ever existed.
Declare what you want, then let the controllers argue with reality.
Ports are numbers until a Service gives them names.
Restart policy Always: the optimist's answer to every exit code.
A Job finishes; a Deployment only pauses.
When in doubt, describe the pod and read the events from the bottom.
The cluster DNS knows your service's name before you do.
Rolling updates: changing the tyres while the car is moving, one tyre at a time.
A ConfigMap is a letter your pod reads every morning.
Secrets are base64 encoded, which is to say, politely hidden.
Headless services: when you need to know every pod by name.
The kubelet keeps a promise it never made to you, only to the API server.
Taints repel, tolerations forgive, affinity attracts.
If it is not in etcd, it did not happen.
An init container does one job and leaves before anyone notices.
Resource requests are what you ask for; limits are what you get away with.
Never trust a container that has been running for zero seconds.
Logs are the diary a container writes for whoever comes after.
Scale out when busy, scale in when calm, and keep one pod for company.
A namespace is a fence, not a wall.
The best YAML is the one you did not have to write twice.
StatefulSet pods come back with the same name and the same memories.
A DaemonSet puts one of everything everywhere.
Probes are questions the kubelet asks so you do not have to.
Good software, like good bread, needs time to rise.
The shortest path between two bugs is a hasty fix.
Today's quick workaround is tomorrow's legacy system.
A watched build never finishes; an ignored one fails.
Measure twice, deploy once.
There is no cloud, just other people's computers running your pods.
Simplicity is the art of leaving out everything the next reader would trip on.
Your next commit will be perfect. The one after that, too.
"""

# --- batch-job and ssd-monitor (Jobs and DaemonSets) -------------------------------------------

BATCH_JOB = r"""#!/bin/sh
# The batch job: two minutes of pretend work ($BATCH_JOB_SECONDS to change it).
echo "$(date) Batch job starting"
sleep "${BATCH_JOB_SECONDS:-120}"
echo "$(date) Finished succesfully"
"""

SSD_MONITOR = r"""#!/bin/sh
# The node's SSD monitor: reports every five seconds.
while :; do
    echo "SSD OK"
    sleep 5
done
"""

# --- dnsutils: dig over busybox nslookup -------------------------------------------------------

DIG = r"""#!/bin/sh
# dig for kubia-tutor's images: queries through busybox nslookup, answers printed as dig does.
# dig [@SERVER] [-p PORT] [-t TYPE] [-x ADDR] [+short] [+noall] [+answer] [TYPE] NAME [TYPE]
server='' port='' qtype='' name='' short=0 show_all=1 show_answer=1
for arg in "$@"; do
    case $pending in
        port) port=$arg; pending=''; continue ;;
        type) qtype=$arg; pending=''; continue ;;
        rev) name=$arg; qtype=PTR; pending=''; continue ;;
    esac
    case $arg in
        @*) server=${arg#@} ;;
        -p) pending=port ;;
        -t) pending=type ;;
        -x) pending=rev ;;
        +short) short=1 ;;
        +noall) show_all=0; show_answer=0 ;;
        +answer) show_answer=1 ;;
        +*) : ;;
        -h|--help)
            echo "Usage: dig [@server] [-p port] [-t type] [+short] [type] name"
            exit 0 ;;
        -*) echo "Invalid option: $arg" >&2; exit 1 ;;
        *)
            upper=$(echo "$arg" | tr 'a-z' 'A-Z')
            case $upper in
                A|AAAA|SRV|CNAME|MX|TXT|NS|PTR|SOA|ANY) qtype=$upper ;;
                *) name=$arg ;;
            esac ;;
    esac
done
[ -n "$qtype" ] || qtype=A
qtype=$(echo "$qtype" | tr 'a-z' 'A-Z')
[ -n "$name" ] || name=.
case $name in *.) fqdn=$name ;; *) fqdn=$name. ;; esac
target=$server
[ -z "$target" ] || [ -z "$port" ] || target="$server:$port"

started=$(date +%s)
output=$(nslookup -debug -type="$qtype" "$fqdn" $target 2>&1)
status=NOERROR
case $output in
    *NXDOMAIN*) status=NXDOMAIN ;;
    *SERVFAIL*) status=SERVFAIL ;;
    *REFUSED*) status=REFUSED ;;
    *"timed out"*|*"no servers could be reached"*)
        [ "$short" = 1 ] || printf ';; connection timed out; no servers could be reached\n'
        exit 9 ;;
esac
case $output in
    *"Non-authoritative answer"*) flags='qr rd ra' ;;
    *"authoritative answer"*) flags='qr aa rd ra' ;;
    *) flags='qr rd ra' ;;
esac
ms=$(printf '%s\n' "$output" | sed -n 's/^Query #0 completed in \([0-9]*\)ms.*/\1/p' | head -n 1)
used=$(printf '%s\n' "$output" | awk '/^Address:/ { print $2; exit }')
used_port=${used##*:}
used_host=${used%:*}
[ "$used_port" != "$used" ] || used_port=53

# each answer as "OWNER TYPE RDATA"
answers=$(printf '%s\n' "$output" | awk -v qtype="$qtype" '
    function dot(n) { return n ~ /\.$/ ? n : n "." }
    /^Name:/ { owner = $2; next }
    /^Address:/ && owner != "" {
        t = index($2, ":") ? "AAAA" : "A"
        if (qtype == t || qtype == "ANY") print dot(owner), t, $2
        next
    }
    /\tservice = / { print dot($1), "SRV", $4, $5, $6, dot($7); next }
    /\tcanonical name = / { print dot($1), "CNAME", dot($NF); next }
    /\tmail exchanger = / { print dot($1), "MX", $(NF - 1), dot($NF); next }
    /\tnameserver = / { print dot($1), "NS", dot($NF); next }
    /\tname = / { print dot($1), "PTR", dot($NF); next }
    /\ttext = / { owner = $1; sub(/^[^=]*= /, ""); print dot(owner), "TXT", $0; next }
')

if [ "$short" = 1 ]; then
    printf '%s\n' "$answers" | awk 'NF { $1 = ""; $2 = ""; sub(/^  /, ""); print }'
    exit 0
fi

ttl=30
record() {  # OWNER TYPE RDATA... as a dig line
    awk -v ttl="$ttl" 'NF {
        owner = $1; type = $2; $1 = ""; $2 = ""; sub(/^  /, "")
        pad = length(owner) < 24 ? substr("\t\t\t", 1, int((31 - length(owner)) / 8)) : " "
        printf "%s%s%s IN\t%s\t%s\n", owner, pad, ttl, type, $0
    }'
}
count=$(printf '%s\n' "$answers" | awk 'NF { n++ } END { print n + 0 }')
additional=''
extra=0
if [ "$qtype" = SRV ] && [ "$count" -gt 0 ]; then
    for host in $(printf '%s\n' "$answers" | awk 'NF { print $NF }'); do
        found=$(nslookup -type=A "$host" $target 2>/dev/null | awk -v h="$host" '
            /^Address:/ && seen { print h, "A", $2 } /^Name:/ { seen = 1 }')
        [ -z "$found" ] || { additional="$additional$found
"; extra=$((extra + 1)); }
    done
fi
if [ "$show_all" = 1 ]; then
    printf '\n; <<>> DiG 9.18.19 (kubia-tutor busybox stand-in) <<>> %s\n' "$*"
    printf ';; global options: +cmd\n;; Got answer:\n'
    printf ';; ->>HEADER<<- opcode: QUERY, status: %s, id: %s\n' "$status" "$((RANDOM % 65536))"
    printf ';; flags: %s; QUERY: 1, ANSWER: %s, AUTHORITY: 0, ADDITIONAL: %s\n\n' \
        "$flags" "$count" "$extra"
    printf ';; QUESTION SECTION:\n;%s\t\tIN\t%s\n\n' "$fqdn" "$qtype"
fi
if [ "$show_answer" = 1 ] && [ "$count" -gt 0 ]; then
    [ "$show_all" = 0 ] || printf ';; ANSWER SECTION:\n'
    printf '%s\n' "$answers" | record
    [ "$show_all" = 0 ] || echo
fi
if [ "$show_all" = 1 ]; then
    if [ -n "$additional" ]; then
        printf ';; ADDITIONAL SECTION:\n'
        printf '%s' "$additional" | record
        echo
    fi
    size=$(printf '%s\n%s' "$answers" "$additional" | awk -v q="$fqdn" '
        BEGIN { n = 12 + length(q) + 1 + 4 }
        NF { n += 12 + ($2 == "A" ? 4 : $2 == "AAAA" ? 16 : length($NF) + 7) }
        END { print n }')
    [ -n "$ms" ] || ms=$(( ($(date +%s) - started) * 1000 ))
    printf ';; Query time: %s msec\n' "$ms"
    printf ';; SERVER: %s#%s(%s) (UDP)\n' "$used_host" "$used_port" "$used_host"
    printf ';; WHEN: %s\n' "$(date '+%a %b %d %H:%M:%S %Z %Y')"
    printf ';; MSG SIZE  rcvd: %s\n\n' "$size"
fi
"""

# --- CoreDNS stand-in (kube-system's coredns Deployment) -----------------------------------------

# The cluster DNS address and the name whose answer says the cluster DNS works.
CLUSTER_DNS = "10.96.0.10"
DNS_CHECK_NAME = "kubernetes.default.svc.cluster.local"

COREDNS = r"""#!/bin/sh
# kube-system's coredns pod: the cluster DNS itself is the node's DNS server, which pods reach
# at 10.96.0.10 through a NAT redirect; this process only reports on it, as CoreDNS's health
# (:8080/health) and ready (:8181/ready) plugins do. It does not listen on port 53.
echo "CoreDNS-1.7.0 (kubia-tutor stand-in)"
echo "[INFO] cluster DNS answers come from the node's DNS server at 10.96.0.10"
echo "[INFO] serving /health on :8080 and /ready on :8181 (200 while the cluster DNS resolves)"
/usr/libexec/kubia-tutor/http-serve 8080 /app/handler.sh /health &
/usr/libexec/kubia-tutor/http-serve 8181 /app/handler.sh /ready &
wait
"""

COREDNS_HANDLER = r"""# coredns health/ready: $1 is the one path this port serves
[ "$REQUEST_PATH" = "$1" ] || respond 404 '404 page not found\n'
if nslookup __NAME__ __DNS__ > /dev/null 2>&1; then
    respond 200 'OK'
fi
respond 503 'the cluster DNS at __DNS__ does not resolve __NAME__\n'
""".replace("__NAME__", DNS_CHECK_NAME).replace("__DNS__", CLUSTER_DNS)

# --- nginx stand-in ----------------------------------------------------------------------------

NGINX = r"""#!/bin/sh
# nginx stand-in: busybox httpd serving each plain-HTTP `listen` of /etc/nginx/conf.d/*.conf
# from its `root` (default: port 80, /usr/share/nginx/html). TLS listeners are not served.
case $1 in
    -v|-V) echo "nginx version: nginx/1.25.3 (kubia-tutor stand-in: busybox httpd)" >&2; exit 0 ;;
    -t) echo "nginx: configuration file /etc/nginx/nginx.conf test is successful" >&2; exit 0 ;;
esac
settings=$(cat /etc/nginx/conf.d/*.conf 2>/dev/null | sed 's/#.*//' | tr ';{}' '\n\n\n' | awk '
    $1 == "listen" { if ($0 ~ /ssl/) print "tls", $2; else print "listen", $2 }
    $1 == "root" && !root { root = $2; print "root", $2 }')
root=$(printf '%s\n' "$settings" | awk '$1 == "root" { print $2; exit }')
[ -n "$root" ] || root=/usr/share/nginx/html
ports=$(printf '%s\n' "$settings" | awk '$1 == "listen" { p = $2; sub(/.*:/, "", p); print p }' |
    sort -un)
[ -n "$ports" ] || ports=80
for tls in $(printf '%s\n' "$settings" | awk '$1 == "tls" { print $2 }'); do
    echo "nginx stand-in: TLS is not available here, not listening on $tls" >&2
done
for port in $ports; do
    httpd -f -v -p "$port" -h "$root" &
done
wait
"""

NGINX_INDEX = """\
<!DOCTYPE html>
<html>
<head><title>Welcome to nginx!</title></head>
<body>
<h1>Welcome to nginx!</h1>
<p>This is kubia-tutor's offline nginx stand-in: busybox httpd serving
/usr/share/nginx/html.</p>
</body>
</html>
"""

NGINX_DEFAULT_CONF = """\
server {
    listen 80;
    server_name localhost;
    location / {
        root /usr/share/nginx/html;
        index index.html index.htm;
    }
}
"""
