#!/usr/bin/env bash
# Records what `docker stack deploy` (Debian 12's docker.io, docker/cli 20.10) makes of each case
# in cases/: the service specs as the engine keeps them (network ids turned back into names, object
# ids and engine bookkeeping left in: SwarmSpecComparison ignores them) and the warnings it prints.
# SwarmStackConverterTests compare the converter against these recordings without a Swarm.
#
#   DOCKER_HOST=unix:///var/run/docker-sw1.sock ./record-stack-deploy.sh   (a manager of a test Swarm,
#   e.g. /work/shared/tools/swarm-testbed.sh up; never the machine's main engine)
set -euo pipefail
cd "$(dirname "$0")/cases"
: "${DOCKER_HOST:?point DOCKER_HOST at a Swarm manager of a test bed}"
docker=/usr/bin/docker
stack=fid
$docker network inspect fidelity-outside >/dev/null 2>&1 || $docker network create -d overlay --attachable fidelity-outside >/dev/null
for case in */; do
  case=${case%/}
  (
    cd "$case"
    env -u FROM_HOST $docker stack deploy --resolve-image never -c compose.yaml "$stack" >/dev/null 2>stack-deploy.stderr
    $docker service inspect $($docker stack services -q "$stack") > /tmp/record-$case.json
    $docker network ls --format '{{.ID}} {{.Name}}' --no-trunc > /tmp/record-networks.txt
    python3 - "$case" <<'PY'
import json, sys
case = sys.argv[1]
names = dict(l.split() for l in open('/tmp/record-networks.txt'))
out = {}
for s in json.load(open(f'/tmp/record-{case}.json')):
    spec = s['Spec']
    for n in spec.get('TaskTemplate', {}).get('Networks', []):
        n['Target'] = names.get(n['Target'], n['Target'])
    # A credential spec names its config by id: the name of the same service's reference to it.
    container = spec['TaskTemplate']['ContainerSpec']
    credential = (container.get('Privileges') or {}).get('CredentialSpec') or {}
    if credential.get('Config'):
        credential['Config'] = next((c['ConfigName'] for c in container.get('Configs', []) if c['ConfigID'] == credential['Config']), credential['Config'])
    out[spec['Labels'].get('com.docker.stack.namespace') + '/' + spec['Name']] = spec
json.dump(out, open('stack-deploy.json', 'w'), indent=2, sort_keys=True)
PY
    $docker stack rm "$stack" >/dev/null
    for _ in $(seq 50); do [ -z "$($docker network ls -q --filter label=com.docker.stack.namespace=$stack)" ] && break; sleep 0.2; done
  )
  echo "recorded $case" >&2
done
