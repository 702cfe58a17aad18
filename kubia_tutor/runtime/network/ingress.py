"""The Ingress controller: an HTTP/1.1 reverse proxy on 127.0.0.1, as ingress-nginx is on
minikube's node.

Design note. Plain HTTP is served on 127.0.0.1:80 and TLS on 127.0.0.1:443, the ports the
book's `curl http://kubia.example.com` and `curl -k https://kubia.example.com` use. When
one cannot be bound (another server holds it, or the daemon may not bind ports below 1024)
the controller falls back to 8080 and 8443, and says so in the daemon's log once. Nothing
listens beyond the loopback address.

Each request of a keep-alive connection is routed on its own (ingress_proxy, framed by
ingress_http): by Host and path (ingress_routes) to one of the backend service port's
ready endpoints, chosen round robin by the service proxy's `Balancer`, and only inside the
cluster's pod subnet. No endpoint: 503; nothing matches: nginx's 404 page. Plain HTTP to
a host with a usable certificate is answered `308 Permanent Redirect` to HTTPS, as
ingress-nginx's default `ssl-redirect: true` does (the Ingress annotations
`nginx.ingress.kubernetes.io/ssl-redirect: "false"` and `force-ssl-redirect: "true"` are
honoured). TLS is terminated for the hosts of `spec.tls` with their `kubernetes.io/tls`
Secret, chosen by SNI; the Secret's PEMs are written to a private directory of the state
dir only for the moment `load_cert_chain` reads them, and the directory is removed on stop.

Every Ingress gets `status.loadBalancer.ingress: [{ip: 127.0.0.1}]` (the ADDRESS column)
once the HTTP listener is up, written through the status subresource.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import os
import selectors
import shutil
import socket
import ssl
import tempfile
import threading
import time
from collections.abc import Callable, Sequence

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import resolve
from kubia_tutor.api.server import ApiServer, object_key
from kubia_tutor.runtime.network import ingress_http as http
from kubia_tutor.runtime.network import ingress_proxy
from kubia_tutor.runtime.network.ingress_routes import (
    BackendRef,
    Obj,
    RouteTable,
    build_routes,
    service_port_name,
)
from kubia_tutor.runtime.network.service_proxy import (
    RECONCILE_EVERY,
    Balancer,
    _listen,
    _reset,
    _shutdown,
    backends_of,
    dial,
)

log = logging.getLogger(__name__)

INGRESSES = resolve("ingresses")
SERVICES = resolve("services")
ENDPOINTS = resolve("endpoints")
SECRETS = resolve("secrets")

ADDRESS = "127.0.0.1"
HTTP_PORTS = (80, 8080)  # the book's port first; the fallback when it cannot be bound
HTTPS_PORTS = (443, 8443)
IDLE_RECONCILE = 5.0
NETWORK_RETRY = 1.0  # seconds between asking the runtime for a pod network it lacks
NETWORK_REFRESH = 30.0  # the network is remade after a `reset`: ask again now and then


class IngressController:
    """The listeners, the routing table and the TLS contexts of the cluster's Ingresses."""

    def __init__(self, api: ApiServer, pod_network: Callable[[], tuple[str, str]],
                 state_dir: str | None, http_ports: Sequence[int] = HTTP_PORTS,
                 https_ports: Sequence[int] = HTTPS_PORTS) -> None:
        self.api = api
        self.store = api.store
        self.pod_network = pod_network  # () -> (bridge, subnet); ('', '') before it exists
        self.state_dir = state_dir
        self.http_ports, self.https_ports = tuple(http_ports), tuple(https_ports)
        self.http_port: int | None = None
        self.https_port: int | None = None
        self._routes = RouteTable()
        self._balancers: dict[BackendRef, Balancer] = {}
        self._contexts: dict[tuple[str, str], tuple[str, ssl.SSLContext]] = {}
        self._bad_secrets: set[tuple[str, str, str]] = set()  # logged once per version
        self._tls_dir = ""
        self._subnet = ""
        self._subnet_at = -NETWORK_REFRESH
        self._selector = selectors.DefaultSelector()
        self._listeners: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    # Lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        self.http_port = self._open_listener(self.http_ports, tls=False)
        self.https_port = self._open_listener(self.https_ports, tls=True)
        self._tls_dir = tempfile.mkdtemp(prefix="ingress-tls-", dir=self.state_dir)  # 0700
        self.reconcile()
        self._thread = threading.Thread(target=self._run, name="ingress", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Close the listeners and open connections, and remove the TLS directory."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        for sock in self._listeners:
            sock.close()
        self._listeners.clear()
        self._selector.close()
        with self._open_lock:
            for sock in self._open:
                _shutdown(sock)
        if self._tls_dir:
            shutil.rmtree(self._tls_dir, ignore_errors=True)

    def _open_listener(self, ports: Sequence[int], tls: bool) -> int | None:
        for port in ports:
            try:
                sock = _listen(port)
            except OSError as err:
                log.warning("ingress: cannot listen on %s:%s (%s)%s", ADDRESS, port, err,
                            "; trying the next port" if port != ports[-1] else "")
                continue
            self._listeners.append(sock)
            self._selector.register(sock, selectors.EVENT_READ, tls)
            port = sock.getsockname()[1]
            log.info("ingress: %s on %s:%s", "https" if tls else "http", ADDRESS, port)
            return int(port)
        return None

    def _run(self) -> None:
        seen = self.store.revision
        last = time.monotonic()
        while not self._stop.is_set():
            for key, _events in self._selector.select(timeout=RECONCILE_EVERY):
                self._accept(key.fileobj, bool(key.data))  # type: ignore[arg-type]
            now = time.monotonic()
            # without a subnet every endpoint is refused: look for the network again soon
            idle = IDLE_RECONCILE if self._subnet else NETWORK_RETRY
            if self.store.revision != seen or now - last >= idle:
                seen, last = self.store.revision, now
                try:
                    self.reconcile()
                except Exception:  # a bad object must not stop the controller
                    log.exception("ingress: reconcile failed")

    # Reconcile ---------------------------------------------------------------------------

    def _current_subnet(self) -> str:
        now = time.monotonic()
        wait = NETWORK_REFRESH if self._subnet else NETWORK_RETRY
        if now - self._subnet_at >= wait:
            self._subnet_at = now
            try:
                self._subnet = self.pod_network()[1]
            except Exception as err:  # the runtime's service may be restarting
                log.debug("ingress: no pod network yet: %s", err)
        return self._subnet

    def reconcile(self) -> None:
        ingresses = list(self.store.items(object_key(INGRESSES, None)))
        routes = build_routes(ingresses)
        subnet = self._current_subnet()
        balancers: dict[BackendRef, Balancer] = {}
        for ref in routes.backends():
            service = self.store.get(object_key(SERVICES, ref.namespace, ref.service))
            port_name = service_port_name(service, ref.port)
            balancer = self._balancers.get(ref) or Balancer(ref.label)
            endpoints = self.store.get(object_key(ENDPOINTS, ref.namespace, ref.service))
            found = backends_of(endpoints, port_name) if port_name is not None else []
            balancer.update(found, subnet, None)
            balancers[ref] = balancer
        contexts: dict[tuple[str, str], tuple[str, ssl.SSLContext]] = {}
        for secret_ref in set(routes.tls.values()):
            context = self._context_for(*secret_ref)
            if context is not None:
                contexts[secret_ref] = context
        self._balancers, self._contexts, self._routes = balancers, contexts, routes
        if self.http_port is not None:
            self._set_status(ingresses)

    def _set_status(self, ingresses: list[Obj]) -> None:
        wanted = {"ingress": [{"ip": ADDRESS}]}
        for ing in ingresses:
            if (ing.get("status") or {}).get("loadBalancer") == wanted:
                continue
            meta = ing.get("metadata") or {}
            try:
                self.api.update(INGRESSES, meta.get("namespace"), str(meta.get("name")),
                                {**ing, "status": {"loadBalancer": wanted}},
                                subresource="status")
            except ApiError as err:  # changed or deleted meanwhile: the next round retries
                log.debug("ingress: status of %s: %s", meta.get("name"), err)

    def _context_for(self, namespace: str, name: str) -> tuple[str, ssl.SSLContext] | None:
        secret = self.store.get(object_key(SECRETS, namespace, name))
        if secret is None:
            return None
        version = str((secret.get("metadata") or {}).get("resourceVersion") or "")
        cached = self._contexts.get((namespace, name))
        if cached is not None and cached[0] == version:
            return cached
        if (namespace, name, version) in self._bad_secrets:
            return None
        try:
            context = self._load(secret)
        except (ValueError, OSError, ssl.SSLError) as err:
            self._bad_secrets.add((namespace, name, version))
            log.warning("ingress: TLS secret %s/%s cannot be used: %s", namespace, name, err)
            return None
        return version, context

    def _load(self, secret: Obj) -> ssl.SSLContext:
        if secret.get("type") != "kubernetes.io/tls":
            raise ValueError(f"type is {secret.get('type')}, not kubernetes.io/tls")
        data = secret.get("data") or {}
        cert = base64.b64decode(str(data.get("tls.crt") or ""))
        key = base64.b64decode(str(data.get("tls.key") or ""))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.sni_callback = self._sni
        # load_cert_chain reads files only: they live just for this call, mode 0600 in a
        # directory only the daemon's user can enter.
        paths = [os.path.join(self._tls_dir, f"{os.getpid()}-{id(context)}.{s}")
                 for s in ("crt", "key")]
        try:
            for path, pem in zip(paths, (cert, key), strict=True):
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as out:
                    out.write(pem)
            context.load_cert_chain(paths[0], paths[1])
        finally:
            for path in paths:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path)
        return context

    def _sni(self, sock: ssl.SSLObject | ssl.SSLSocket, server_name: str | None,
             _context: ssl.SSLContext) -> None:
        """Switch to the certificate of the host the client named."""
        ref = self._routes.secret_for(server_name or "")
        chosen = self._contexts.get(ref) if ref is not None else None
        if chosen is not None:
            sock.context = chosen[1]

    # Connections -------------------------------------------------------------------------

    def _accept(self, listener: socket.socket, tls: bool) -> None:
        try:
            client, address = listener.accept()
        except OSError:  # the client gave up already
            return
        client.setblocking(True)
        threading.Thread(target=self._serve, args=(client, address[0], tls),
                         name="ingress-conn", daemon=True).start()

    def _serve(self, client: socket.socket, client_ip: str, tls: bool) -> None:
        with self._open_lock:
            self._open.add(client)
        try:
            port = client.getsockname()[1]
            if tls:
                client = self._handshake(client)
            ingress_proxy.serve(self, client, client_ip, tls, port)
        except http.BadMessage as err:
            log.debug("ingress: bad message on a connection from %s: %s", client_ip, err)
        except (OSError, ValueError) as err:  # the client or the pod went away
            log.debug("ingress: connection from %s: %s", client_ip, err)
        finally:
            self.release(client)

    # ingress_proxy.Router ------------------------------------------------------------------

    @property
    def stopped(self) -> threading.Event:
        return self._stop

    def answer(self, request: http.Request, tls: bool) -> Balancer | http.Canned:
        routes = self._routes
        route = routes.route(request.host, request.path)
        policy = route.redirect
        if not tls and self.https_port is not None and (policy.force_ssl_redirect or (
                policy.ssl_redirect and routes.secret_for(request.host) in self._contexts)):
            return http.redirect_to_https(request, self.https_port,
                                          policy.preserve_trailing_slash)
        if route.backend is None:
            return http.NOT_FOUND
        balancer = self._balancers.get(route.backend)
        if balancer is None or not balancer.backends:
            log.info("ingress: %s%s: no ready endpoint of %s", request.host, request.path,
                     route.backend.label)
            return http.UNAVAILABLE
        return balancer

    def dial(self, balancer: Balancer, client_ip: str) -> socket.socket | None:
        upstream = dial(balancer, client_ip, self._stop, "ingress")
        if upstream is not None:
            with self._open_lock:
                self._open.add(upstream)
        return upstream

    def release(self, sock: socket.socket) -> None:
        with self._open_lock:
            self._open.discard(sock)
        _shutdown(sock)
        sock.close()

    def _handshake(self, client: socket.socket) -> ssl.SSLSocket:
        contexts = list(self._contexts.values())
        if not contexts:  # no certificate at all: nothing to offer the client
            _reset(client)
            raise OSError("no TLS secret for any Ingress host")
        client.settimeout(http.IO_TIMEOUT)
        # The first secret's certificate answers a client that names no known host, as
        # ingress-nginx answers with its default one; the SNI callback switches it.
        wrapped = contexts[0][1].wrap_socket(client, server_side=True)
        with self._open_lock:
            self._open.discard(client)
            self._open.add(wrapped)
        return wrapped

