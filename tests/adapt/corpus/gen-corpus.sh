#!/bin/bash
# Record (or evaluate live) the adaptive-containment corpus.
#
#   gen-corpus.sh record OUTDIR
#       run every benign workload BENIGN_REPS times (default 24) and every
#       attack ATTACK_REPS times (default 12), SIZE = rep, under
#       adapt-harness --record-features; writes OUTDIR/<workload>-<rep>.jsonl
#       (FIRST_REP=N resumes at repetition N; WINDOW_MS, EVAL_EVERY override
#       the 2000 ms window and the evaluation every 8 events)
#   gen-corpus.sh live MODEL RESULTS REPS...
#       run the workloads of the given reps under MODEL and write one
#       result line per run to RESULTS: workload label rep level
#       tightenings events_at_tightening harm status=EXIT
#       (a workload is skipped at reps beyond its family's BENIGN_REPS /
#       ATTACK_REPS, as in the corpus)
#       (WORKLOADS="a b ..." restricts the workloads, in both modes;
#       WORKLOADS=benign or attack: that family only)
#
# Needs root (BPF, cgroups); workloads run as nobody in private scratch
# directories; every peer is on 127.0.0.1; everything is removed at exit.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${BUILD:-$(cd "$HERE/../../.." && pwd)/build}
H=$BUILD/tests/adapt/adapt-harness
PY=/usr/bin/python3
BENIGN="shell-script compile-c python-script tar-gzip git-ops http-client pkg-churn cleanup
        pkg-remove git-many deploy log-gzip"
BENIGN_REPS=${BENIGN_REPS:-24}
ATTACK_REPS=${ATTACK_REPS:-12}
ATTACK="reverse-shell ransomware harvest-upload download-exec fork-storm priv-probe"
EVAL_EVERY=${EVAL_EVERY:-8}
WINDOW_MS=${WINDOW_MS:-2000}

[ "$(id -u)" = 0 ] || { echo "gen-corpus: needs root" >&2; exit 77; }
[ -x "$H" ] || { echo "gen-corpus: $H not built" >&2; exit 1; }
[ -x $PY ] || { echo "gen-corpus: $PY missing" >&2; exit 77; }

mode=$1; shift
base=$(mktemp -d /tmp/compart-corpus.XXXXXX)
chmod 755 "$base"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	rm -rf "$base"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cp "$HERE/workloads.sh" "$HERE/server.py" "$base/"
chmod 755 "$base/workloads.sh" "$base/server.py"

# the shared loopback HTTP server (downloads, uploads, payload)
mkdir -p "$base/www"
echo "<html>corpus page</html>" > "$base/www/index.html"
head -c 200000 /dev/zero | tr '\0' 'x' > "$base/www/big.bin"
printf '#!/bin/sh\necho pwned > "$1/pwned"\nuname -a > /dev/null\n' > "$base/www/payload.sh"
cp /usr/bin/id "$base/www/payload.bin"
$PY "$base/server.py" http "$base/www" "$base/http.port" "$base/http.log" 1800 &
pids+=($!)
for _ in $(seq 100); do [ -s "$base/http.port" ] && break; sleep 0.05; done
http_port=$(cat "$base/http.port")

# shellcheck disable=SC2086  # word splitting: WORKLOADS may span lines
keep() { local ws; ws=" $(echo $WORKLOADS) "; for w in $1; do case $ws in *" $w "*) printf '%s ' "$w";; esac; done; }
case ${WORKLOADS:-} in
benign) ATTACK= ;;
attack) BENIGN= ;;
"") ;;
*) BENIGN=$(keep "$BENIGN"); ATTACK=$(keep "$ATTACK") ;;
esac

label_of() { case " $ATTACK " in *" $1 "*) echo attack;; *) echo benign;; esac; }
# the workloads recorded at repetition $1 (benign and attacks have their own counts)
at_rep() {
	[ "$1" -le "$BENIGN_REPS" ] && printf '%s ' $BENIGN
	[ "$1" -le "$ATTACK_REPS" ] && printf '%s ' $ATTACK
	return 0
}

# run_one WORKLOAD REP [harness options...]: prints the harness's last line
run_one() {
	local w=$1 rep=$2; shift 2
	local dir="$base/run-$w-$rep" port=$http_port
	rm -rf "$dir"; mkdir -p "$dir/home"
	(/bin/bash "$base/workloads.sh" setup "$w" "$dir" "$rep")
	chown -R 65534:65534 "$dir"
	if [ "$w" = reverse-shell ]; then
		rm -f "$base/shell.port"
		$PY "$base/server.py" shell "$base/shell.port" "$dir.shell.log" 10 &
		local sp=$!
		for _ in $(seq 100); do [ -s "$base/shell.port" ] && break; sleep 0.05; done
		port=$(cat "$base/shell.port")
	fi
	timeout 60 "$H" --user 65534 --eval-every "$EVAL_EVERY" --window-ms "$WINDOW_MS" "$@" -- \
		/bin/bash "$base/workloads.sh" "$w" "$dir" "$rep" "$port" </dev/null 2>"$dir.err" | tail -1
	if [ "$w" = reverse-shell ]; then wait "$sp" 2>/dev/null; fi
}

harm_of() {
	local w=$1 rep=$2 dir="$base/run-$1-$2"
	case $w in
	reverse-shell) grep -q "uid=yes" "$dir.shell.log" 2>/dev/null && echo shell-served || echo none;;
	ransomware) echo "encrypted=$(grep -c encrypted "$dir/harm" 2>/dev/null || echo 0)";;
	harvest-upload) grep -q uploaded "$dir/harm" 2>/dev/null && echo uploaded || echo none;;
	download-exec) [ -e "$dir/pwned" ] && echo executed || echo none;;
	fork-storm) echo "forked=$(grep -c forked "$dir/harm" 2>/dev/null || echo 0)";;
	priv-probe) echo probed;;
	*) echo -;;
	esac
}

case $mode in
record)
	out=$1
	reps=$((BENIGN_REPS > ATTACK_REPS ? BENIGN_REPS : ATTACK_REPS))
	mkdir -p "$out"
	for rep in $(seq "${FIRST_REP:-1}" "$reps"); do
		for w in $(at_rep "$rep"); do
			l=$(label_of "$w")
			tmp="$base/$w-$rep.jsonl"
			r=$(run_one "$w" "$rep" --record "$tmp" --label "$l" --workload "$w" --run "$w-$rep")
			if [ ! -s "$tmp" ]; then
				echo "gen-corpus: $w-$rep recorded nothing:" >&2; cat "$base/run-$w-$rep.err" >&2
				exit 1
			fi
			cp "$tmp" "$out/$w-$rep.jsonl"
			echo "recorded $w-$rep ($l): $(wc -l < "$tmp") samples; $r"
			rm -rf "$base/run-$w-$rep" "$base/run-$w-$rep".* "$tmp"
		done
	done
	;;
live)
	model=$1 results=$2; shift 2
	: > "$results"
	for rep in "$@"; do
		for w in $(at_rep "$rep"); do
			l=$(label_of "$w")
			audit="$base/$w-$rep.audit"
			r=$(run_one "$w" "$rep" --model "$model" --audit "$audit")
			lvl=$(echo "$r" | sed -n 's/.*level \([0-9]*\) tightenings \([0-9]*\).*/\1/p')
			tn=$(echo "$r" | sed -n 's/.*tightenings \([0-9]*\).*/\1/p')
			st=$(echo "$r" | sed -n 's/.*status \(-*[0-9]*\).*/\1/p')
			ev=$($PY -c '
import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e.get("event") == "adapt":
        print(e["window"]["events"]); break
else:
    print("-")' "$audit" 2>/dev/null || echo -)
			echo "$w $l $rep ${lvl:-?} ${tn:-?} $ev $(harm_of "$w" "$rep") status=${st:-?}" | tee -a "$results"
			rm -rf "$base/run-$w-$rep" "$base/run-$w-$rep".* "$audit"
		done
	done
	;;
*)
	echo "usage: gen-corpus.sh record OUTDIR | live MODEL RESULTS REPS..." >&2
	exit 2
	;;
esac
