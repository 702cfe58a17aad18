"""Which shell lines a pack may run (`pack test` solutions, TUI paste keys)."""

from __future__ import annotations

import pytest

from kubia_tutor.lessons.host_commands import unsafe_reason

NOT_ALLOWED = "(allowed: kubectl, curl and tools that read or print)"


@pytest.mark.parametrize("line", [
    "kubectl get pods",
    "kubectl get pods -o yaml > pod.yaml",
    "kubectl get pods -o name | grep kubia | wc -l",
    "curl -s http://localhost:8080/ && echo done",
    "curl -o out/page.html http://x/",
    "sleep 2; kubectl get po",
    "NAME=kubia kubectl get pod $NAME",
    "echo $(kubectl get pods -o name)",
    "while true; do kubectl get pods; sleep 1; done",
    "kubectl get pods 2>/dev/null",
    "cat pod.yaml | tee copy.yaml",
    "mkdir -p work/dir && touch work/dir/file",
    "time kubectl get pods",
    "cd sub",
    "kubectl logs kubia | grep -c 'Received request'",
    "openssl req -new -x509 -keyout tls.key -out tls.cert -subj /CN=kubia.example.com",
])
def test_allowed_lines(line: str) -> None:
    assert unsafe_reason(line) is None


@pytest.mark.parametrize(("line", "reason"), [
    ("rm -rf /", f"packs may not run 'rm' {NOT_ALLOWED}"),
    ("sudo kubectl get pods", f"packs may not run 'sudo' {NOT_ALLOWED}"),
    ("kubectl get pods | sh", f"packs may not run 'sh' {NOT_ALLOWED}"),
    ("kubectl get pods && python3 -c 'x'", f"packs may not run 'python3' {NOT_ALLOWED}"),
    ("echo $(rm x)", f"packs may not run 'rm' {NOT_ALLOWED}"),
    ("echo `reboot`", f"packs may not run 'reboot' {NOT_ALLOWED}"),
    ("/bin/ls", f"packs may not run '/bin/ls' {NOT_ALLOWED}"),
    ("xargs rm", f"packs may not run 'rm' {NOT_ALLOWED}"),
    ("kubectl get pods > /etc/passwd", "'/etc/passwd' is outside the lesson directory"),
    ("kubectl get pods >> ../up.txt", "'../up.txt' is outside the lesson directory"),
    ("echo x > ~/.bashrc", "'~/.bashrc' is outside the lesson directory"),
    ("cat x | tee /tmp/copy", "'/tmp/copy' is outside the lesson directory"),
    ("mkdir -p ../../x", "'../../x' is outside the lesson directory"),
    ("curl -o /tmp/page http://x/", "'/tmp/page' is outside the lesson directory"),
    ("sed -i s/a/b/ pod.yaml", "packs may not run 'sed' (allowed: kubectl, curl and tools "
                               "that read or print)"),
    ("echo 'unterminated", "cannot read the line: No closing quotation"),
])
def test_refused_lines(line: str, reason: str) -> None:
    assert unsafe_reason(line) == reason


def test_a_for_loop_is_allowed() -> None:
    assert unsafe_reason("for i in 1 2 3; do curl -s http://x/; done") is None


def test_xargs_with_options_is_allowed() -> None:
    assert unsafe_reason("kubectl get pods -o name | xargs -n1 kubectl describe") is None


@pytest.mark.parametrize("line", [
    "awk 'BEGIN { system(\"rm -rf ~/x\") }'",
    "awk '{ print > \"/tmp/x\" }' pod.yaml",
    "sed '1e rm -rf ~/x' pod.yaml",
    "sed -n 'w /tmp/x' pod.yaml",
    "kubectl cp kubia:/etc/hosts /tmp/hosts",
])
def test_commands_that_escape_through_allowed_programs_are_refused(line: str) -> None:
    assert unsafe_reason(line) is not None


@pytest.mark.parametrize("line", [
    "kubectl label pod $(kubectl get po -o name | head -1) app=foo --overwrite",
    "kubectl exec $(kubectl get po -o name | head -1) -- env",
    "kubia-tutor service kubia-http --url",
])
def test_words_after_a_substitution_belong_to_the_outer_command(line: str) -> None:
    assert unsafe_reason(line) is None


def test_kubia_tutor_may_only_show_services() -> None:
    assert unsafe_reason("kubia-tutor reset") == "packs may run `kubia-tutor service` only"
