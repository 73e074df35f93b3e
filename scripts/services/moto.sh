#!/usr/bin/env bash
# The S3-compatible server for the storage tests and benchmark: moto_server on a free loopback
# port with signature checking on (reference/provider-apis.md §6). The first four calls run
# unauthenticated and create an IAM user, its s3:* policy, its access key and the test bucket;
# from then on only requests signed with that key are accepted.
#
# Keys with non-ASCII characters need scripts/services/moto_server.py, which launches moto with
# one fix to its signature check (explained there).
#
# Sourced by scripts/test.sh (and benchmarks/upload.sh). service_start_moto exports:
#   AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION (and
#   AWS_DEFAULT_REGION for the aws command), S3_TEST_BUCKET, and MOTO_LOG (the server's request
#   log, one line per HTTP request, which tests read to count what a client sent).
# service_stop_moto stops the server it started.

service_start_moto() {
  command -v moto_server >/dev/null || { echo "moto: moto_server not found (run scripts/setup.sh)" >&2; return 1; }
  local state="${TEST_STATE_DIR:-$(mktemp -d /tmp/moto.XXXXXX)}/moto"
  mkdir -p "$state"
  local port
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
  export MOTO_LOG="$state/requests.log"
  # moto_server.py: moto's own server with its signature check fed the request target as sent
  # (see that file: stock moto 5.2.1 refuses every correctly signed non-ASCII key).
  INITIAL_NO_AUTH_ACTION_COUNT=4 python3 "$(dirname "${BASH_SOURCE[0]}")/moto_server.py" -H 127.0.0.1 -p "$port" \
    >"$MOTO_LOG" 2>&1 &
  MOTO_PID=$!
  export MOTO_PID

  local endpoint="http://127.0.0.1:$port" tries=0
  until curl -s -o /dev/null "$endpoint/moto-api/" 2>/dev/null; do
    tries=$((tries + 1))
    if ((tries > 100)) || ! kill -0 "$MOTO_PID" 2>/dev/null; then
      echo "moto: server did not start; log:" >&2; cat "$MOTO_LOG" >&2; return 1
    fi
    sleep 0.1
  done

  export AWS_ENDPOINT_URL="$endpoint" AWS_REGION="us-east-1" AWS_DEFAULT_REGION="us-east-1"
  export S3_TEST_BUCKET="media-pipeline-test"
  local keys
  keys="$(MOTO_ENDPOINT="$endpoint" python3 - <<'PY'
import json, os, boto3
endpoint = os.environ["MOTO_ENDPOINT"]
anon = dict(endpoint_url=endpoint, region_name="us-east-1",
            aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
iam = boto3.client("iam", **anon)
iam.create_user(UserName="pipeline")                                           # call 1
iam.put_user_policy(UserName="pipeline", PolicyName="s3-all", PolicyDocument=json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))  # 2
key = iam.create_access_key(UserName="pipeline")["AccessKey"]                   # call 3
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                  aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
s3.create_bucket(Bucket=os.environ["S3_TEST_BUCKET"])                           # call 4
print(key["AccessKeyId"], key["SecretAccessKey"])
PY
)" || { echo "moto: IAM bootstrap failed; log:" >&2; cat "$MOTO_LOG" >&2; return 1; }
  export AWS_ACCESS_KEY_ID="${keys%% *}" AWS_SECRET_ACCESS_KEY="${keys#* }"
  unset AWS_SESSION_TOKEN
  echo "moto: S3 on $endpoint (signature checking on), bucket $S3_TEST_BUCKET" >&2
}

service_stop_moto() {
  if [[ -n "${MOTO_PID:-}" ]]; then
    kill "$MOTO_PID" 2>/dev/null || true
    wait "$MOTO_PID" 2>/dev/null || true
    unset MOTO_PID
  fi
}
