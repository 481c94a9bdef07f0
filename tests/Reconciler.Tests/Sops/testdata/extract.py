import json,re,subprocess,sys
def pgp_msgs(path):
    t=open(path).read()
    if path.endswith('.env'):
        m=re.search(r'^sops_pgp__list_0__map_enc=(.*)$',t,re.M); return [m.group(1).replace('\\n','\n')]
    if path.endswith('.json') or path.endswith('.txt'):
        return [p['enc'] for p in json.loads(t)['sops']['pgp']]
    # yaml: block literal
    msgs=re.findall(r'(-----BEGIN PGP MESSAGE-----.*?-----END PGP MESSAGE-----)',t,re.S)
    return [re.sub(r'^[ \t]+','',m,flags=re.M) for m in msgs]
for f in sys.argv[1:]:
    for m in pgp_msgs(f):
        r=subprocess.run(['gpg','--batch','-q','-d'],input=m.encode(),capture_output=True)
        if r.returncode==0:
            print(f, r.stdout.hex()); break
    else: print(f,'FAILED')
