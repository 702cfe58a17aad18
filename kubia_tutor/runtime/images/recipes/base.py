"""Files of the base image (the catalog's `busybox`) that every other catalog image builds on.

Besides busybox and its applet links (added by the builder), the base holds the account files
that `podman exec` needs, the `curl` stand-in, and the helpers under /usr/libexec/kubia-tutor:

- `init`: a tiny PID 1 for the images' own programs. busybox as PID 1 ignores SIGTERM, so the
  program runs as init's child; TERM (or INT, QUIT, HUP) is passed on to it as TERM, and init
  exits with the child's status (143 after a TERM, as Docker reports it).
- `http-serve PORT HANDLER`: an HTTP server on busybox `nc -ll` (one process per connection).
  Unlike busybox httpd it answers every path and method, as the book's Node.js servers do.
- `http-conn HANDLER`: one exchange; parses the request and sources HANDLER, which answers with
  the shell functions defined there (`respond`, `request_body`, `log`).
"""

from __future__ import annotations

LIBEXEC = "/usr/libexec/kubia-tutor"

PASSWD = """\
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
bin:x:2:2:bin:/bin:/bin/false
sys:x:3:3:sys:/dev:/bin/false
sync:x:4:100:sync:/bin:/bin/sync
mail:x:8:8:mail:/var/spool/mail:/bin/false
www-data:x:33:33:www-data:/var/www:/bin/false
operator:x:37:37:Operator:/var:/bin/false
nobody:x:65534:65534:nobody:/home:/bin/false
"""

GROUP = """\
root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
adm:x:4:
tty:x:5:
disk:x:6:
mail:x:8:
wheel:x:10:root
www-data:x:33:
users:x:100:
nogroup:x:65534:
"""

NSSWITCH = """\
passwd: files
group: files
hosts: files dns
"""

INIT = r"""#!/bin/sh
# PID 1 for kubia-tutor's images: runs its arguments as a child and hands it the stop signal.
[ $# -gt 0 ] || { echo "init: no program to run" >&2; exit 2; }
"$@" &
child=$!
trap 'kill -TERM "$child" 2>/dev/null' TERM INT QUIT HUP
while :; do
    wait "$child"
    status=$?
    # wait also returns when a trapped signal arrives: go on until the child is really gone
    kill -0 "$child" 2>/dev/null || exit "$status"
done
"""

HTTP_SERVE = r"""#!/bin/sh
# http-serve PORT HANDLER [ARGS...]: answer HTTP on PORT, one http-conn per connection.
[ $# -ge 2 ] || { echo "usage: http-serve PORT HANDLER [ARGS...]" >&2; exit 2; }
port=$1
shift
exec 3>&1    # handlers write their log lines to fd 3: the container's stdout
exec nc -ll -p "$port" -e /usr/libexec/kubia-tutor/http-conn "$@"
"""

HTTP_CONN = r"""#!/bin/sh
# http-conn HANDLER [ARGS...]: one HTTP/1.x exchange on stdin/stdout, a connection nc accepted.
# Sets REQUEST_METHOD REQUEST_URI REQUEST_PATH QUERY_STRING CONTENT_LENGTH REMOTE_ADDR HOSTNAME,
# then sources HANDLER, which answers with `respond STATUS FORMAT [ARGS...]` (printf style).
CR=$(printf '\r')
HOSTNAME=$(hostname)

log() {  # a line on the container's log (stdout), not on the connection
    { printf '%s\n' "$*" >&3; } 2>/dev/null || printf '%s\n' "$*" >&2
}

peer_address() {
    sock=$(readlink /proc/self/fd/0 2>/dev/null)
    sock=${sock#socket:\[}
    sock=${sock%]}
    awk -v inode="$sock" -f /usr/libexec/kubia-tutor/peer.awk /proc/net/tcp /proc/net/tcp6 \
        2>/dev/null
}

IFS=' ' read -r -t 30 REQUEST_METHOD REQUEST_URI SERVER_PROTOCOL || exit 0
SERVER_PROTOCOL=${SERVER_PROTOCOL%"$CR"}
[ -n "$REQUEST_URI" ] || exit 0
CONTENT_LENGTH=0
CHUNKED=0
count=0
while IFS= read -r -t 30 line; do
    line=${line%"$CR"}
    [ -n "$line" ] || break
    count=$((count + 1))
    [ "$count" -le 100 ] || break
    value=${line#*:}
    value=${value# }
    case ${line%%:*} in
        [Cc][Oo][Nn][Tt][Ee][Nn][Tt]-[Ll][Ee][Nn][Gg][Tt][Hh]) CONTENT_LENGTH=$value ;;
        [Tt][Rr][Aa][Nn][Ss][Ff][Ee][Rr]-[Ee][Nn][Cc][Oo][Dd][Ii][Nn][Gg]) CHUNKED=1 ;;
        [Hh][Oo][Ss][Tt]) HTTP_HOST=$value ;;
    esac
done
case $CONTENT_LENGTH in ''|*[!0-9]*) CONTENT_LENGTH=0 ;; esac
REQUEST_PATH=${REQUEST_URI%%\?*}
QUERY_STRING=''
case $REQUEST_URI in *\?*) QUERY_STRING=${REQUEST_URI#*\?} ;; esac
REMOTE_ADDR=$(peer_address)
export REQUEST_METHOD REQUEST_URI REQUEST_PATH QUERY_STRING CONTENT_LENGTH REMOTE_ADDR HOSTNAME
body_read=0

request_body() {  # the request's body, once (write it somewhere: stdout is the connection)
    [ "$body_read" = 0 ] || return 0
    body_read=1
    [ "$CONTENT_LENGTH" -gt 0 ] || return 0
    head -c "$CONTENT_LENGTH"
}

respond() {  # respond STATUS FORMAT [ARGS...]
    code=$1
    shift
    request_body > /dev/null
    case $code in
        200) reason=OK ;;
        201) reason=Created ;;
        204) reason="No Content" ;;
        400) reason="Bad Request" ;;
        404) reason="Not Found" ;;
        405) reason="Method Not Allowed" ;;
        411) reason="Length Required" ;;
        500) reason="Internal Server Error" ;;
        503) reason="Service Unavailable" ;;
        *) reason=Unknown ;;
    esac
    body=$(printf "$@"; echo x)
    body=${body%x}
    length=$(printf '%s' "$body" | wc -c)
    printf 'HTTP/1.1 %s %s\r\nDate: %s\r\nConnection: close\r\nContent-Length: %s\r\n\r\n' \
        "$code" "$reason" "$(date -u '+%a, %d %b %Y %H:%M:%S GMT')" $length
    [ "$REQUEST_METHOD" = HEAD ] || printf '%s' "$body"
    exit 0
}

if [ "$CHUNKED" = 1 ]; then
    body_read=1
    respond 411 'A Content-Length is required\n'
fi
handler=$1
shift
. "$handler"
respond 204 ''
"""

# The client's address of the connection on stdin, from /proc/net/tcp{,6} and the socket's inode.
# IPv4 clients of the dual-stack listener show as ::ffff:a.b.c.d, as Node.js reported them.
PEER_AWK = r"""function hexval(h,    i, v) {
    v = 0
    h = toupper(h)
    for (i = 1; i <= length(h); i++) v = v * 16 + index("0123456789ABCDEF", substr(h, i, 1)) - 1
    return v
}
function ipv4(h) {
    return hexval(substr(h, 7, 2)) "." hexval(substr(h, 5, 2)) "." \
        hexval(substr(h, 3, 2)) "." hexval(substr(h, 1, 2))
}
function group(g) {
    g = tolower(g)
    sub(/^0+/, "", g)
    return g == "" ? "0" : g
}
$10 == inode {
    split($3, part, ":")
    h = part[1]
    if (length(h) == 8) { print ipv4(h); exit }
    if (substr(h, 1, 16) == "0000000000000000" && substr(h, 17, 8) == "FFFF0000") {
        print "::ffff:" ipv4(substr(h, 25, 8))
        exit
    }
    for (w = 0; w < 4; w++) {
        g = substr(h, w * 8 + 1, 8)
        le = substr(g, 7, 2) substr(g, 5, 2) substr(g, 3, 2) substr(g, 1, 2)
        word[w * 2] = group(substr(le, 1, 4))
        word[w * 2 + 1] = group(substr(le, 5, 4))
    }
    # the longest run of zero groups (two or more) becomes "::"
    best = -1; bestlen = 1
    for (i = 0; i < 8; i++) {
        if (word[i] != "0") continue
        for (j = i; j < 8 && word[j] == "0"; j++) ;
        if (j - i > bestlen) { best = i; bestlen = j - i }
    }
    out = ""
    for (i = 0; i < 8; i++) {
        if (i == best) { out = out "::"; i += bestlen - 1; continue }
        out = out ((out == "" || out ~ /:$/) ? "" : ":") word[i]
    }
    print out
    exit
}
"""
