# Adds an age recipient stanza (sops's own test key) to sops-written files whose data key was unwrapped with sops's PGP test key.
import json,re,subprocess,sys
RECIPIENT='age1lzd99uklcjnc0e7d860axevet2cz99ce9pq6tzuzd05l5nr28ams36nvun'
keys=dict(l.split() for l in open('keys.txt'))
def wrap(hexkey):
    r=subprocess.run(['age','-a','-r',RECIPIENT],input=bytes.fromhex(hexkey),capture_output=True,check=True)
    return r.stdout.decode().strip('\n')+'\n'
for f,k in keys.items():
    t=open(f).read(); enc=wrap(k)
    if f.endswith('.env'):
        t=t.replace('sops_lastmodified=', 'sops_age__list_0__map_enc='+enc.replace('\n','\\n')+'\nsops_age__list_0__map_recipient='+RECIPIENT+'\nsops_lastmodified=',1)
    elif f.endswith('.json') or f.endswith('.txt'):
        ind = '\t' if '\t' in t else '  '
        t=re.sub(r'(\n(\s*)"lastmodified")', lambda m: '\n'+m.group(2)+'"age": [{"recipient": '+json.dumps(RECIPIENT)+', "enc": '+json.dumps(enc)+'}],'+m.group(1), t, count=1)
        json.loads(t)
    else:
        body=''.join('            '+l+'\n' for l in enc.strip('\n').split('\n'))
        t=t.replace('    age: []\n','')
        t=t.replace('\nsops:\n','\nsops:\n    age:\n        - recipient: '+RECIPIENT+'\n          enc: |\n'+body,1)
    out=f.replace('.enc','')
    out={'example.yaml':'example.yaml','example.json':'example.json','example.txt':'example.bin'}.get(f, out.replace('format.','format.enc.'))
    open('out/'+out,'w').write(t)
