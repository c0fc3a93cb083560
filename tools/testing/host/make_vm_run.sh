#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# make_vm_run - whatever a user types in single quotes after CMD= reaches the
# VM unchanged and its status comes back.  First through the Makefile alone
# (a stand-in run.sh records its arguments: no VM), then through the real
# `make vm-run` (four short VM runs on the primary kernel), and once through
# check.sh's tally.  Runs on the host.
set -uo pipefail
. "$(dirname "$0")/../lib/host.sh"

# The words as a user types them: bash's single quotes, '\'' for a quote.
# shellcheck disable=SC2016
{
dq='echo "two  words" | grep -c "two  words"'
sq='echo '\''it'\''\'\'''\''s'\'''
var='U=unchanged; echo "[$U]" $HOME'
sub='echo "$(uname -r)" $((6*7)) `id -u`'
bs='printf "%s\n" a\\b "c\d" '\''e\\f'\'''
hash='echo "#x" 100% %s # a comment'
nl='echo one
echo two'
}

tap_plan 19

# 1. The Makefile alone: a stand-in run.sh prints each argument it gets.
mkdir -p "$tmp/vm"
cat >"$tmp/vm/run.sh" <<'EOF'
#!/bin/sh
for a; do printf '%s\n' "$a" >>"$ARGS"; printf '\036\n' >>"$ARGS"; done
EOF
chmod +x "$tmp/vm/run.sh"

# args VAR=VALUE...: `make vm-run` with the stand-in; each argument it passed
# on its own record (separated by a line of \036), in "$tmp/args".
args() {
	: >"$tmp/args"
	ARGS=$tmp/args make -s -C "$root" vm-run VM="$tmp/vm" "$@" >"$tmp/make.out" 2>&1
}

# arg_after OPTION: the argument that followed OPTION.
arg_after() {
	awk -v RS='\n\036\n' -v opt="$1" 'take { printf "%s", $0; exit } $0 == opt { take = 1 }' "$tmp/args"
}

# same NAME WANT GOT: like tap_expect_eq, the texts quoted on one line each
# (they span lines and hold quotes).
same() {
	if [ "$2" = "$3" ]; then
		tap_ok "$1"
	else
		tap_fail "$1" "expected: ${2@Q}" "saw:      ${3@Q}"
	fi
}

# passes NAME TEXT: CMD=TEXT reaches run.sh as the one argument after "--".
passes() {
	local name=$1 want=$2 st=0
	args CMD="$want" || st=$?
	same "$name" "make: 0, run.sh -- $want" "make: $st, run.sh -- $(arg_after --)"
	[ "$st" -eq 0 ] || sed 's/^/# make: /' "$tmp/make.out"
}

passes make_passes_double_quotes_unchanged "$dq"
passes make_passes_single_quotes_unchanged "$sq"
passes make_passes_dollar_variables_unchanged "$var"
passes make_passes_command_substitution_unchanged "$sub"
passes make_passes_backslashes_unchanged "$bs"
passes make_passes_hash_and_percent_unchanged "$hash"
passes make_passes_newlines_unchanged "$nl"

mkdir -p "$tmp/odd dir \$U #1"
st=0
args CMD=true EXTRA="$tmp/odd dir \$U #1" TIMEOUT=77 || st=$?
got="$(arg_after -e)|$(arg_after -t)"
same make_passes_extra_and_timeout_unchanged "$tmp/odd dir \$U #1|77" "$got"

st=0
args CMD= || st=$?
if [ "$st" -ne 0 ] && [ ! -s "$tmp/args" ] && grep -q usage "$tmp/make.out"; then
	tap_ok make_without_command_prints_usage
else
	tap_fail make_without_command_prints_usage "expected a usage message and no run" \
		"saw exit $st, run.sh called: $(tr '\036' ' ' <"$tmp/args")"
fi

# 2. The real `make vm-run`: the command in the VM, its output, its status.
# MDK_BED_NO_VM=1 skips the VM runs (the Makefile's part above is instant).
if [ -n "${MDK_BED_NO_VM:-}" ]; then
	for t in vm_run_returns_0_for_a_command_with_every_kind_of_word \
		vm_gets_the_command_text_unchanged vm_shell_sees_each_word_as_typed \
		vm_run_echoes_exactly_the_commands_output \
		partial_last_line_keeps_the_failing_status partial_last_line_is_echoed \
		partial_last_line_is_in_the_output_log partial_coloured_last_line_keeps_status_0 \
		trailing_empty_line_is_kept check_counts_a_last_tap_line_without_newline; do
		tap_skip "$t" "MDK_BED_NO_VM is set"
	done
	tap_done
fi
kver=$("$root/tools/vm/kernel.sh" list | head -1)

# vmrun CMD: make vm-run on the primary kernel; stdout in "$tmp/out",
# messages in "$tmp/err", the run's log folder in $logdir.  $st: "make
# succeeds" or "make fails" (make exits 2 for any failing recipe), then the
# status run.sh reported ("[run.sh] 6.12 vm-run: status 3 in 9s").
vmrun() {
	local mk=0 rc
	MDK_LOGDIR_FILE=$tmp/logdir make -s -C "$root" vm-run KVER="$kver" TIMEOUT=300 \
		CMD="$1" >"$tmp/out" 2>"$tmp/err" || mk=$?
	rc=$(sed -n 's/.* vm-run: status \([0-9]*\) in .*/\1/p' "$tmp/err" | tail -1)
	st="make $([ "$mk" -eq 0 ] && echo succeeds || echo fails), status ${rc:-none}"
	logdir=$(cat "$tmp/logdir" 2>/dev/null || echo "$tmp/none")
}

# The command runs every kind of word, then prints its own text as the VM
# got it (/etc/mdevkit/cmd); its output ends with a newline.
every="$dq || exit 9; $sq; $var; $sub; $bs; $hash
cat /etc/mdevkit/cmd"
vmrun "$every"
tap_expect_eq "make succeeds, status 0" "$st" vm_run_returns_0_for_a_command_with_every_kind_of_word
same vm_gets_the_command_text_unchanged "$every" "$(tail -n +9 "$tmp/out")"
kabi=$(eval "$("$root/tools/vm/kernel.sh" env "$kver")"; echo "$KABI")
words="1
it's
[unchanged] /root
$kabi 42 0
a\\b
c\\d
e\\\\f
#x 100% %s"
same vm_shell_sees_each_word_as_typed "$words" "$(head -n 8 "$tmp/out")"
# Exactly the command's output on stdout: no marker, no added empty line.
if printf '%s\n%s\n' "$words" "$every" | cmp -s - "$tmp/out"; then
	tap_ok vm_run_echoes_exactly_the_commands_output
else
	tap_fail vm_run_echoes_exactly_the_commands_output "expected the output to end: $(printf '%s\n' "$every" | tail -c 30 | od -An -c | tr -s ' \n' ' ')" \
		"saw it end: $(tail -c 30 "$tmp/out" | od -An -c | tr -s ' \n' ' ')"
fi

# Output whose last line has no newline: the status still comes back.
vmrun 'printf x; exit 3'
tap_expect_eq "make fails, status 3" "$st" partial_last_line_keeps_the_failing_status
tap_expect_eq x "$(cat "$tmp/out")" partial_last_line_is_echoed
if grep -q '^x' "$logdir/output.log" 2>/dev/null; then
	tap_ok partial_last_line_is_in_the_output_log
else
	tap_fail partial_last_line_is_in_the_output_log "expected a line starting 'x' in $logdir/output.log" \
		"saw: $(od -An -c "$logdir/output.log" 2>&1 | head -3)"
fi

# As mdevctl fails on a terminal: a coloured message without a newline.
vmrun 'printf "\033[31mError: no such device\033[0m" >&2'
tap_expect_eq "make succeeds, status 0" "$st" partial_coloured_last_line_keeps_status_0

# A command whose output ends with an empty line keeps it.
vmrun 'printf "a\n\n"'
tap_expect_eq "a|" "$(tr '\n' '|' <"$tmp/out" | sed 's/|$//')" trailing_empty_line_is_kept

# 3. check.sh's tally: a suite whose last TAP line has no newline.
mkdir -p "$tmp/suites"
printf '#!/bin/sh\nprintf "1..2\\nok 1 - first\\nok 2 - last, no newline"\n' >"$tmp/suites/no_newline"
chmod +x "$tmp/suites/no_newline"
st=0
MDK_CHECK_DIR=$tmp/check MDK_SUITE_TIMEOUT=300 "$root/tools/vm/check.sh" -K -H -k "$kver" \
	-s "$tmp/suites" >"$tmp/check.out" 2>&1 || st=$?
tap_expect_eq "0|2 passed, 0 failed" "$st|$(tail -1 "$tmp/check.out")" \
	check_counts_a_last_tap_line_without_newline
tap_done
