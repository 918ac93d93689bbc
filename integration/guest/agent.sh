#!/bin/sh
# The command agent: one request per line on /dev/ttyS1, "ID BASE64(shell command)"; one answer
# line "@@vsw ID EXIT-STATUS BASE64(output)". Commands run with sh -c, stdout and stderr merged.
# The port stays open for the agent's whole life: a closed 8250 port drops what arrives.
tty=/dev/ttyS1
exec 3<>$tty
stty -F $tty raw -echo 2>/dev/null
while true; do
  IFS=' ' read -r id payload <&3 || { sleep 0.1; continue; }
  [ -n "$id" ] || continue
  cmd=$(printf '%s' "$payload" | base64 -d 2>/dev/null)
  out=$(sh -c "$cmd" 2>&1 < /dev/null 3>&-)
  rc=$?
  printf '@@vsw %s %s %s\n' "$id" "$rc" "$(printf '%s' "$out" | base64 -w0)" >&3
done
