"""The `curl` every catalog image carries: a busybox sh script with the options the book uses.

HTTP goes over busybox `nc`, HTTPS over busybox `ssl_client` (certificates are never checked, as
with `-k`). Options: -s -S -i -I -k -L -f -v -G -X -d (and --data-raw, --data-binary,
--data-urlencode) -H -o -m/--max-time --connect-timeout -A -e -u -w (%{http_code}); the body is
printed exactly as received, with no newline added. Exit codes follow curl's (6, 7, 22, 28, 35).
"""

from __future__ import annotations

CURL = r'''#!/bin/sh
# curl for kubia-tutor's images: the options the book's examples use, written for busybox sh.
# HTTP goes over `nc`, HTTPS over busybox's `ssl_client` (certificates are never checked).

CURL_VERSION=7.88.1
CR=$(printf '\r')
LF='
'
TMP=$(mktemp -d /tmp/curl.XXXXXX) || exit 23
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

silent=0 show_error=0 include=0 head_only=0 fail=0 verbose=0 as_get=0 follow=0
method='' data='' has_data=0 data_binary=0 output='' max_time='' connect_timeout=''
write_out='' user_agent="curl/$CURL_VERSION" urls='' extra_headers=''

usage_error() {
    printf 'curl: %s\n' "$1" >&2
    printf "curl: try 'curl --help' for more information\n" >&2
    exit 2
}

fail_with() {  # fail_with CODE MESSAGE...: curl's error line (shown unless -s without -S)
    code=$1
    shift
    if [ "$silent" = 0 ] || [ "$show_error" = 1 ]; then
        printf 'curl: (%s) %s\n' "$code" "$*" >&2
    fi
    exit "$code"
}

urlencode() {
    printf '%s' "$1" | od -An -v -tx1 | tr -s ' \n' '  ' | awk '{
        out = ""
        for (i = 1; i <= NF; i++) {
            c = sprintf("%c", ("0x" $i) + 0)
            h = toupper($i)
            if ($i ~ /^(3[0-9]|4[1-9a-f]|5[0-9a]|6[1-9a-f]|7[0-9a]|2d|2e|5f|7e)$/) out = out c
            else out = out "%" h
        }
        printf "%s", out
    }'
}

read_data_file() {  # read_data_file FILE BINARY: -d @FILE drops newlines, --data-binary keeps them
    if [ "$1" = - ]; then src=/dev/stdin; else src=$1; fi
    if [ ! -r "$src" ]; then
        printf 'Warning: Couldn'"'"'t read data from file "%s", this makes an\n' "$1" >&2
        printf 'Warning: empty POST.\n' >&2
        return
    fi
    if [ "$2" = 1 ]; then cat "$src"; else tr -d '\r\n' < "$src"; fi
}

add_data() {  # add_data KIND VALUE
    value=$2
    case $1 in
        ascii|binary)
            keep=0
            [ "$1" = ascii ] || keep=1
            case $value in
                @*) value=$(read_data_file "${value#@}" "$keep"; echo x); value=${value%x} ;;
            esac ;;
        urlencode)
            case $value in
                *=*) value="${value%%=*}=$(urlencode "${value#*=}")" ;;
                *) value=$(urlencode "$value") ;;
            esac ;;
    esac
    if [ "$has_data" = 1 ]; then data="$data&$value"; else data=$value; fi
    has_data=1
}

need_value() {  # need_value OPTION NARGS
    [ "$2" -ge 2 ] || usage_error "option $1: requires parameter"
}

# long options and single-letter options that take a value
takes_value() {
    case $1 in
        -X|-d|-H|-o|-m|-A|-w|-e|-u|--request|--data|--data-ascii|--data-raw|--data-binary|\
        --data-urlencode|--header|--output|--max-time|--connect-timeout|--user-agent|\
        --write-out|--url|--referer|--user|--retry|--retry-delay|--retry-max-time|\
        --resolve|--cacert|--cert|--key|--proxy|-x) return 0 ;;
    esac
    return 1
}

apply_option() {  # apply_option OPTION [VALUE]
    case $1 in
        -s|--silent) silent=1 ;;
        -S|--show-error) show_error=1 ;;
        -i|--include) include=1 ;;
        -I|--head) head_only=1 ;;
        -k|--insecure) : ;;
        -L|--location) follow=1 ;;
        -f|--fail) fail=1 ;;
        -v|--verbose) verbose=1 ;;
        -G|--get) as_get=1 ;;
        -X|--request) method=$2 ;;
        -d|--data|--data-ascii) add_data ascii "$2" ;;
        --data-raw) add_data raw "$2" ;;
        --data-binary) add_data binary "$2" ;;
        --data-urlencode) add_data urlencode "$2" ;;
        -H|--header) extra_headers="$extra_headers$2$LF" ;;
        -o|--output) output=$2 ;;
        -m|--max-time) max_time=$2 ;;
        --connect-timeout) connect_timeout=$2 ;;
        -A|--user-agent) user_agent=$2 ;;
        -e|--referer) extra_headers="${extra_headers}Referer: $2$LF" ;;
        -u|--user)
            credentials=$(printf '%s' "$2" | base64)
            extra_headers="${extra_headers}Authorization: Basic $credentials$LF" ;;
        -w|--write-out) write_out=$2 ;;
        --url) urls="$urls$2$LF" ;;
        -4|-6|-N|-q|-#|--ipv4|--ipv6|--no-buffer|--compressed|--http1.0|--http1.1|--tlsv1.2|\
        --progress-bar|--no-keepalive|--retry|--retry-delay|--retry-max-time|--resolve|\
        --cacert|--cert|--key|--proxy|-x|--no-progress-meter) : ;;
        -h|--help)
            cat <<'EOF'
Usage: curl [options...] <url>
 -d, --data <data>          HTTP POST data
 -f, --fail                 Fail silently (no output at all) on HTTP errors
 -G, --get                  Put the post data in the URL and use GET
 -H, --header <header>      Pass custom header(s) to server
 -i, --include              Include protocol response headers in the output
 -I, --head                 Show document info only
 -k, --insecure             Allow insecure server connections (certificates are never checked here)
 -L, --location             Follow redirects
 -m, --max-time <seconds>   Maximum time allowed for transfer
 -o, --output <file>        Write to file instead of stdout
 -s, --silent               Silent mode
 -S, --show-error           Show error even when -s is used
 -v, --verbose              Make the operation more talkative
 -w, --write-out <format>   Use output FORMAT after completion (%{http_code})
 -X, --request <method>     Specify request method to use
This curl is kubia-tutor's stand-in, a busybox shell script.
EOF
            exit 0 ;;
        -V|--version)
            echo "curl $CURL_VERSION (kubia-tutor busybox stand-in)"
            echo "Protocols: http https"
            exit 0 ;;
        *) usage_error "option $1: is unknown" ;;
    esac
}

while [ $# -gt 0 ]; do
    arg=$1
    case $arg in
        --) shift; for u in "$@"; do urls="$urls$u$LF"; done; break ;;
        --*)
            if takes_value "$arg"; then
                need_value "$arg" $#; apply_option "$arg" "$2"; shift
            else
                apply_option "$arg"
            fi ;;
        -?*)
            rest=${arg#-}
            while [ -n "$rest" ]; do
                letter=${rest%"${rest#?}"}
                rest=${rest#?}
                if takes_value "-$letter"; then
                    if [ -n "$rest" ]; then
                        apply_option "-$letter" "$rest"
                    else
                        need_value "-$letter" $#; apply_option "-$letter" "$2"; shift
                    fi
                    rest=''
                else
                    apply_option "-$letter"
                fi
            done ;;
        *) urls="$urls$arg$LF" ;;
    esac
    shift
done

[ -n "$urls" ] || usage_error "no URL specified"

whole_seconds() {  # round a --max-time value up to whole seconds (busybox timeout takes integers)
    case $1 in
        ''|*[!0-9.]*|*.*.*) usage_error "expected a proper numerical parameter: $1" ;;
    esac
    int=${1%%.*}; [ -n "$int" ] || int=0
    case $1 in *.*) frac=${1#*.}; case $frac in *[1-9]*) int=$((int + 1)) ;; esac ;; esac
    [ "$int" -gt 0 ] || int=1
    echo "$int"
}
[ -z "$max_time" ] || max_time=$(whole_seconds "$max_time")
[ -z "$connect_timeout" ] || connect_timeout=$(whole_seconds "$connect_timeout")

now_ms() {
    t=$(date +%s%N 2>/dev/null)
    case $t in *N|'') echo $(( $(date +%s) * 1000 )) ;; *) echo $((t / 1000000)) ;; esac
}
START_MS=$(now_ms)

parse_url() {  # sets scheme host port path hostport
    u=$1
    case $u in
        *://*) scheme=${u%%://*}; u=${u#*://} ;;
        *) scheme=http ;;
    esac
    scheme=$(echo "$scheme" | tr 'A-Z' 'a-z')
    case $scheme in
        http) port=80 ;;
        https) port=443 ;;
        *) fail_with 1 "Protocol \"$scheme\" not supported or disabled in libcurl" ;;
    esac
    u=${u%%#*}
    case $u in
        */*) authority=${u%%/*}; path=/${u#*/} ;;
        *\?*) authority=${u%%\?*}; path=/?${u#*\?} ;;
        *) authority=$u; path=/ ;;
    esac
    authority=${authority##*@}
    case $authority in
        \[*\]:*) host=${authority%%]*}; host=${host#\[}; port=${authority##*]:} ;;
        \[*\]) host=${authority#\[}; host=${host%]} ;;
        *:*) host=${authority%%:*}; port=${authority#*:} ;;
        *) host=$authority ;;
    esac
    [ -n "$host" ] || fail_with 3 "URL using bad/illegal format or missing URL"
    case $port in ''|*[!0-9]*) fail_with 3 "URL using bad/illegal format or missing URL" ;; esac
    case $host in *:*) bracketed="[$host]" ;; *) bracketed=$host ;; esac
    case $scheme:$port in
        http:80|https:443) hostport=$bracketed ;;
        *) hostport="$bracketed:$port" ;;
    esac
}

has_header() {  # has_header NAME: did -H set it (case-insensitive)
    printf '%s' "$extra_headers" | grep -qi "^$1[:;]"
}

build_request() {  # build_request METHOD PATH BODYFILE > request
    printf '%s %s HTTP/1.1\r\n' "$1" "$2"
    has_header Host || printf 'Host: %s\r\n' "$hostport"
    has_header User-Agent || printf 'User-Agent: %s\r\n' "$user_agent"
    has_header Accept || printf 'Accept: */*\r\n'
    if [ -n "$3" ]; then
        has_header Content-Length || printf 'Content-Length: %s\r\n' "$(wc -c < "$3" | tr -d ' ')"
        has_header Content-Type || printf 'Content-Type: application/x-www-form-urlencoded\r\n'
    fi
    printf '%s' "$extra_headers" | while IFS= read -r h; do
        case $h in
            *:) ;;                                   # "Name:" removes a header
            *\;) printf '%s:\r\n' "${h%;}" ;;        # "Name;" sends it empty
            *) printf '%s\r\n' "$h" ;;
        esac
    done
    printf 'Connection: close\r\n\r\n'
    [ -z "$3" ] || cat "$3"
}

exchange() {  # exchange REQUEST RESPONSE ERRORS: one connection; returns its exit status
    wait_opt=''
    [ -z "$connect_timeout" ] || wait_opt="-w $connect_timeout"
    limit=''
    [ -z "$max_time" ] || limit="timeout $max_time"
    if [ "$scheme" = https ]; then
        # ssl_client speaks TLS on fd 3 (the socket) and plain HTTP on its stdin and stdout
        $limit nc $wait_opt "$host" "$port" -e sh -c \
            'exec 3<&0; exec ssl_client -s 3 -n "$0" <"$1" >"$2"' "$host" "$1" "$2" \
            </dev/null 2>"$3"
    else
        $limit nc $wait_opt "$host" "$port" <"$1" >"$2" 2>"$3"
    fi
}

elapsed_ms() { echo $(( $(now_ms) - START_MS )); }

connection_error() {  # connection_error STATUS ERRORS RESPONSE: exit as curl does
    received=0
    [ ! -f "$3" ] || received=$(wc -c < "$3" | tr -d ' ')
    if [ "$1" = 143 ] || [ "$1" = 124 ]; then
        fail_with 28 "Operation timed out after $(elapsed_ms) milliseconds with $received bytes" \
            "received"
    fi
    if grep -q 'bad address' "$2"; then
        fail_with 6 "Could not resolve host: $host"
    fi
    if grep -q '^ssl_client:' "$2"; then
        fail_with 35 "TLS connect error: $(sed -n 's/^ssl_client: //p' "$2" | head -n 1)"
    fi
    reason=$(sed -n 's/^nc: .*: //p' "$2" | head -n 1)
    [ -n "$reason" ] || reason="Connection refused"
    fail_with 7 "Failed to connect to $host port $port after $(elapsed_ms) ms: $reason"
}

split_response() {  # split_response RESPONSE HEADFILE BODYFILE: the final header block and the body
    cp "$1" "$TMP/rest"
    : > "$2"
    while :; do
        awk '{ print; if ($0 == "\r" || $0 == "") exit }' < "$TMP/rest" > "$TMP/block"
        size=$(wc -c < "$TMP/block" | tr -d ' ')
        [ "$size" -gt 0 ] || break
        cp "$TMP/block" "$2"
        tail -c +$((size + 1)) "$TMP/rest" > "$TMP/next"
        mv "$TMP/next" "$TMP/rest"
        case $(head -n 1 "$2" | awk '{ print $2 }') in
            101) break ;;
            1[0-9][0-9]) continue ;;    # "100 Continue" and the like come before the real answer
        esac
        break
    done
    mv "$TMP/rest" "$3"
}

header_value() {  # header_value NAME HEADFILE: the first value of a header
    awk -v want="$(echo "$1" | tr 'A-Z' 'a-z')" 'NR > 1 {
        sub(/\r$/, "")
        i = index($0, ":"); if (i == 0) next
        name = tolower(substr($0, 1, i - 1))
        if (name != want) next
        v = substr($0, i + 1)
        sub(/^[ \t]+/, "", v)
        sub(/[ \t]+$/, "", v)
        print v
        exit
    }' "$2"
}

dechunk() {  # dechunk RAW OUT
    : > "$2"
    pos=1
    total=$(wc -c < "$1" | tr -d ' ')
    while [ "$pos" -le "$total" ]; do
        line=$(tail -c +"$pos" "$1" | head -n 1)
        pos=$((pos + ${#line} + 1))
        hex=${line%%[;$CR]*}
        case $hex in ''|*[!0-9a-fA-F]*) break ;; esac
        size=$((0x$hex))
        [ "$size" -gt 0 ] || break
        tail -c +"$pos" "$1" | head -c "$size" >> "$2"
        pos=$((pos + size + 2))
    done
}

progress_meter() {  # progress_meter BYTES: the table curl prints when its output is not a terminal
    ms=$(elapsed_ms); [ "$ms" -gt 0 ] || ms=1
    speed=$(( $1 * 1000 / ms ))
    {
        printf '  %% Total    %% Received %% Xferd  Average Speed   Time    Time     Time'
        printf '  Current\n'
        printf '                                 Dload  Upload   Total   Spent    Left  Speed\n'
    } >&2
    printf '%3d %5s  %3d %5s    0     0  %5s      0 --:--:-- --:--:-- --:--:-- %5s\n' \
        100 "$1" 100 "$1" "$speed" "$speed" >&2
}

write_out_text() {  # write_out_text CODE: -w's format with %{http_code} and \n expanded
    fmt=$write_out
    case $fmt in @*) fmt=$(cat "${fmt#@}") ;; esac
    out=$(printf '%s' "$fmt" | sed -e "s/%{http_code}/$1/g" -e "s/%{response_code}/$1/g" \
        -e "s/%{url_effective}/$(printf '%s' "$current_url" | sed 's/[\/&]/\\&/g')/g"; echo x)
    out=${out%x}
    printf '%b' "$out"
}

fetch() {  # fetch URL: one transfer, following redirects with -L
    current_url=$1
    redirects=0
    req_method=$method
    while :; do
        parse_url "$current_url"
        body_file=''
        req_path=$path
        if [ "$has_data" = 1 ]; then
            if [ "$as_get" = 1 ]; then
                case $req_path in
                    *\?*) req_path="$req_path&$data" ;;
                    *) req_path="$req_path?$data" ;;
                esac
            else
                printf '%s' "$data" > "$TMP/body"
                body_file=$TMP/body
            fi
        fi
        m=$req_method
        if [ -z "$m" ]; then
            if [ "$head_only" = 1 ]; then m=HEAD
            elif [ -n "$body_file" ]; then m=POST
            else m=GET
            fi
        fi
        build_request "$m" "$req_path" "$body_file" > "$TMP/request"
        if [ "$verbose" = 1 ]; then
            printf '*   Trying %s:%s...\n' "$host" "$port" >&2
            sed -e 's/\r$//' -e '/^$/q' -e 's/^/> /' "$TMP/request" >&2
        fi
        : > "$TMP/response"
        exchange "$TMP/request" "$TMP/response" "$TMP/errors"
        status=$?
        if [ "$status" = 143 ] || [ "$status" = 124 ] ||
            { [ "$status" != 0 ] && [ ! -s "$TMP/response" ]; }; then
            connection_error "$status" "$TMP/errors" "$TMP/response"
        fi
        [ -s "$TMP/response" ] || fail_with 52 "Empty reply from server"
        split_response "$TMP/response" "$TMP/head" "$TMP/raw"
        code=$(head -n 1 "$TMP/head" | awk '{ print $2 }')
        if [ "$verbose" = 1 ]; then
            sed -e 's/\r$//' -e '/^$/d' -e 's/^/< /' "$TMP/head" >&2
        fi
        if [ "$(header_value Transfer-Encoding "$TMP/head" | tr 'A-Z' 'a-z')" = chunked ]; then
            dechunk "$TMP/raw" "$TMP/content"
        else
            length=$(header_value Content-Length "$TMP/head")
            case $length in
                ''|*[!0-9]*) cp "$TMP/raw" "$TMP/content" ;;
                *) head -c "$length" "$TMP/raw" > "$TMP/content" ;;
            esac
        fi
        location=$(header_value Location "$TMP/head")
        if [ "$follow" = 1 ] && [ -n "$location" ]; then
            case $code in
                301|302|303|307|308)
                    redirects=$((redirects + 1))
                    [ "$redirects" -le 50 ] || fail_with 47 "Maximum (50) redirects followed"
                    [ "$include" = 1 ] && emit "$TMP/head"
                    case $location in
                        *://*) current_url=$location ;;
                        /*) current_url="$scheme://$hostport$location" ;;
                        *) current_url="$scheme://$hostport${path%/*}/$location" ;;
                    esac
                    case $code in
                        301|302|303) [ "$m" = HEAD ] || { req_method=''; has_data=0; } ;;
                    esac
                    continue ;;
            esac
        fi
        break
    done
    case $code in ''|*[!0-9]*) code=000 ;; esac
    if [ "$fail" = 1 ] && [ "$code" -ge 400 ]; then
        fail_with 22 "The requested URL returned error: $code"
    fi
    if [ "$include" = 1 ] || [ "$head_only" = 1 ]; then
        emit "$TMP/head"
    fi
    [ "$head_only" = 1 ] || emit "$TMP/content"
    if [ "$silent" = 0 ] && { [ -n "$output" ] || [ ! -t 1 ]; }; then
        progress_meter "$(wc -c < "$TMP/content" | tr -d ' ')"
    fi
    [ -z "$write_out" ] || write_out_text "$code"
}

emit() {  # emit FILE: to -o's file or stdout
    if [ -n "$output" ] && [ "$output" != - ]; then
        cat "$1" >> "$output" || fail_with 23 "Failure writing output to destination"
    else
        cat "$1"
    fi
}

if [ -n "$output" ] && [ "$output" != - ]; then
    : > "$output" || fail_with 23 "Failure writing output to destination"
fi
rc=0
set -f
IFS=$LF
for u in $urls; do
    unset IFS
    [ -n "$u" ] || continue
    ( fetch "$u" ) || rc=$?
done
exit "$rc"
'''
