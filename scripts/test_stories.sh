#!/usr/bin/env bash
# Run the test stories through the trained model; print a summary, or the failed stories.
set -uo pipefail
cd "$(dirname "$0")/.."
out=results/stories
mkdir -p "$out"
.venv/bin/rasa test core --model models/prescreen.tar.gz --stories tests/stories \
  --fail-on-prediction-errors --out "$out" > "$out/rasa_test.log" 2>&1
status=$?
grep -E "Correct:|Finished collecting" "$out/rasa_test.log" | sed 's/^.* - /test stories: /'
if [ $status -ne 0 ]; then
  echo "Test stories failed (exit $status). Failed stories:"
  cat "$out/failed_test_stories.yml" 2>/dev/null || tail -40 "$out/rasa_test.log"
fi
exit $status
