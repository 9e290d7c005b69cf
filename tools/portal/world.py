"""The world the portal browser test needs, made with the openrsp CLI only (as scripts/cli-walkthrough):
a devnet, deployed contracts, a registered SM-DP+ (`smdp serve` over HTTPS with the entitlement gate and
one imported profile of the plans' type), MNO and MVNO, plans with their metadata documents recorded on
chain, test stablecoin for a devnet dev account (the browser wallet's account), a funded relayer account
for the portal, and the user's software eUICC (its EID is what the browser test types)."""

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROFILE_TYPE = "OpenRSP portal profile"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def openrsp_binary():
    path = os.environ.get("OPENRSP") or str(ROOT / ".build" / "debug" / "openrsp")
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"{path} not found: run `swift build` first (or set OPENRSP)")
    return path


class World:
    def __init__(self):
        self.bin = openrsp_binary()
        self.work = Path(tempfile.mkdtemp(prefix="openrsp-portal-"))
        os.chmod(self.work, 0o700)
        self.homes = {}
        self.rpc = None
        self.smdp_proc = None
        self.portal_proc = None

    def home(self, role):
        if role not in self.homes:
            home = self.work / role
            home.mkdir(mode=0o700)
            (home / "password").write_text(secrets.token_hex(16) + "\n")
            os.chmod(home / "password", 0o600)
            self.homes[role] = home
        return self.homes[role]

    def rsp(self, role, *args, env=None):
        """`openrsp ARGS --json` as ROLE; returns the envelope's data or raises with the CLI's message."""
        full = dict(os.environ, OPENRSP_HOME=str(self.home(role)), **(env or {}))
        full.setdefault("OPENRSP_DEVNET_PYTHON", sys.executable)  # the venv running this test has the devnet's packages
        done = subprocess.run([self.bin, *args, "--json"], cwd=ROOT, env=full, capture_output=True, text=True, timeout=180)
        lines = [l for l in done.stdout.splitlines() if l.startswith("{")]
        envelope = json.loads(lines[-1]) if lines else None
        if done.returncode != 0 or envelope is None or envelope["payload"]["code"] != 0:
            raise RuntimeError(f"openrsp {' '.join(args)} failed: {done.stdout[-800:]} {done.stderr[-800:]}")
        return envelope["payload"]["data"]

    def chain(self):
        return ["--rpc-url", self.rpc, "--chain-id", str(self.chain_id)]

    def signer(self, role, name):
        return ["--account", name, "--password-file", str(self.home(role) / "password"), *self.chain()]

    def operator_cert(self, role, cn):
        home = self.home(role)
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                        "-days", "30", "-subj", f"/CN={cn}", "-keyout", str(home / "operator.key.pem"),
                        "-out", str(home / "operator.pem")], check=True, capture_output=True)
        return str(home / "operator.pem")

    def build(self, catalog_dir, buyer_index=7, metadata_uri=None):
        """MNO, MVNO, plans and their documents; `metadata_uri` is PlanEntitlements' ERC-1155 `uri` template."""
        devnet = self.rsp("chain", "devnet", "start", "--port", "0")
        self.rpc, self.chain_id, state = devnet["url"], devnet["chainId"], Path(devnet["stateDir"])
        self.devnet_accounts = json.loads((state / "accounts.json").read_text())["accounts"]
        self.rsp("gov", "account", "import", "deployer", "--private-key-env", "DEV_KEY", "--password-file",
                 str(self.home("gov") / "password"), "--light-kdf", env={"DEV_KEY": self.devnet_accounts[0]["privateKey"]})
        addr = {}
        for role in ("smdp", "mno", "mvno", "portal"):
            addr[role] = self.rsp(role, "account", "new", role, "--password-file", str(self.home(role) / "password"),
                                  "--light-kdf")["address"]
        ci = self.rsp("gov", "account", "new", "ci", "--password-file", str(self.home("gov") / "password"), "--light-kdf")["address"]
        gov = self.signer("gov", "deployer")
        for who in addr.values():
            self.rsp("gov", "account", "transfer", who, "--wei", str(10**17), *gov)
        deployed = self.rsp("gov", "contracts", "deploy", *gov,
                            *(["--metadata-uri", metadata_uri] if metadata_uri else []))
        self.contracts = deployed["contracts"]
        for role in ("smdp", "mno", "mvno", "portal"):
            shutil.copy(self.home("gov") / "contracts.json", self.home(role) / "contracts.json")
        self.rsp("smdp", "pki", "init")
        pki = self.home("smdp") / "pki"
        self.rsp("gov", "registry", "register", ci, "--role", "ci", "--name", "Test CI", "--cert", str(pki / "ci.pem"), *gov)
        self.rsp("gov", "registry", "register", addr["smdp"], "--role", "smdp", "--name", "SM-DP+", "--cert",
                 str(pki / "dp-auth.pem"), *gov)
        self.rsp("gov", "registry", "add-cert", addr["smdp"], "--cert", str(pki / "dp-tls.pem"), *gov)
        self.rsp("gov", "registry", "register", addr["mno"], "--role", "mno", "--name", "Portal MNO", "--cert",
                 self.operator_cert("mno", "Portal MNO"), *gov)
        self.rsp("gov", "registry", "register", addr["mvno"], "--role", "mvno", "--name", "Portal MVNO", "--cert",
                 self.operator_cert("mvno", "Portal MVNO"), *gov)
        self.rsp("mno", "registry", "approve-mvno", addr["mvno"], "--max-margin-bps", "2000", *self.signer("mno", "mno"))
        mvno = self.signer("mvno", "mvno")
        plans = {}
        for name, countries, networks, data_mb, price in (
                ("Germany 5 GB", ["DE"], ["262-01", "262-02"], 5000, 12000000),
                ("Europe 10 GB", ["DE", "FR", "AT"], ["262-01", "208-01", "232-01"], 10000, 25000000),
                ("France 1 GB", ["FR"], ["208-01"], 1000, 5000000)):
            plan = self.rsp("mvno", "plan", "create", "--mno", addr["mno"], "--data-mb", str(data_mb), "--validity-seconds",
                            "2592000", "--price", str(price), "--margin-bps", "1500", "--supply-cap", "100",
                            "--refund-rule", "at-expiry-or-cancel", "--usage-poster", "mno", "--smdp", addr["smdp"],
                            "--profile-type", PROFILE_TYPE, "--activation-window-seconds", "604800", *mvno)["planId"]
            doc = {"schema": "openrsp.plan-metadata/1", "planId": plan, "name": name,
                   "description": f"{name} of prepaid data on the Portal MNO's network.", "mno": "Portal MNO",
                   "mvno": "Portal MVNO", "countries": countries, "networks": networks, "dataMB": str(data_mb),
                   "validitySeconds": "2592000", "price": str(price), "profileType": PROFILE_TYPE}
            path = Path(catalog_dir) / f"{plan}.json"
            path.write_text(json.dumps(doc, indent=1) + "\n")
            self.rsp("mvno", "plan", "set-metadata", plan, "--file", str(path), *mvno)
            plans[name] = plan
        self.buyer = self.devnet_accounts[buyer_index]["address"]
        self.start_smdp()
        self.make_user()
        self.rsp("gov", "token", "mint", self.buyer, "--amount", str(100 * 10**6), *gov)
        self.addresses, self.plans = addr, plans
        return self

    def start_smdp(self):
        """`smdp serve` on HTTPS with the entitlement gate; the MVNO's ES2+ token is operator mvno1."""
        smdp, mvno = self.home("smdp"), self.home("mvno")
        self.rsp("smdp", "smdp", "profile", "generate", "--iccid", "8999001000000000016", "--profile-type", PROFILE_TYPE,
                 "--out", str(smdp / "profile.der"))
        self.rsp("smdp", "smdp", "profile", "import", str(smdp / "profile.der"), "--service-provider-name", "Portal MVNO")
        self.rsp("mvno", "smdp", "token", "new", "--out", str(mvno / "es2.token"))
        shutil.copy(mvno / "es2.token", smdp / "mvno.token")
        os.chmod(smdp / "mvno.token", 0o600)
        port = free_port()
        self.smdp_url = f"https://127.0.0.1:{port}"
        log = open(self.work / "smdp-serve.log", "w")
        env = dict(os.environ, OPENRSP_HOME=str(smdp), OPENRSP_KEY_PASSWORD=(smdp / "password").read_text().strip())
        self.smdp_proc = subprocess.Popen(
            [self.bin, "smdp", "serve", "--host", "127.0.0.1", "--port", str(port), "--address", f"127.0.0.1:{port}",
             "--operator-token", f"mvno1={smdp / 'mvno.token'}", "--rpc-url", self.rpc,
             "--delivery-key", str(smdp / "keystore" / "smdp.json"), "--log-level", "info"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        for _ in range(600):
            if f"url=https://127.0.0.1:{port}" in (self.work / "smdp-serve.log").read_text():
                return
            if self.smdp_proc.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError("smdp serve did not start: " + (self.work / "smdp-serve.log").read_text()[-2000:])

    def make_user(self):
        """The user's software eUICC, made from the test PKI (as cli-walkthrough's user)."""
        user, pki = self.home("user"), self.home("smdp") / "pki"
        (user / "pki").mkdir(mode=0o700)
        for name in ("euicc.key.pem", "euicc.pem", "euicc.der", "eum.pem", "eum.der", "ci.pem", "ci.der"):
            if (pki / name).exists():
                shutil.copy2(pki / name, user / "pki" / name)
        shutil.copy(self.home("gov") / "contracts.json", user / "contracts.json")
        self.eid = self.rsp("user", "chip", "info", "--simulator", str(user / "euicc"))["eidValue"]

    def es2_options(self):
        return ["--es2-url", self.smdp_url, "--es2-token-file", str(self.home("mvno") / "es2.token"),
                "--es2-requester", "mvno1", "--es2-trust-root", str(self.home("smdp") / "pki" / "ci.pem")]

    def portal_tls(self):
        """A self-signed P-256 certificate for 127.0.0.1 in the portal's home: (cert, key), key 0600."""
        home = self.home("portal")
        cert, key = home / "tls.pem", home / "tls.key"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                        "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
        os.chmod(key, 0o600)
        return cert, key

    def start_portal(self, port, cert, key, catalog, *extra):
        """`portal serve` over HTTPS on 127.0.0.1:PORT with the portal account as relayer; waits until it listens."""
        home = self.home("portal")
        log = open(self.work / "portal.log", "w")
        self.portal_proc = subprocess.Popen(
            [self.bin, "portal", "serve", "--host", "127.0.0.1", "--port", str(port), "--tls-cert", str(cert), "--tls-key", str(key),
             "--rate-limit", "0", *extra, "--catalog", str(catalog), "--account", "portal",
             "--password-file", str(home / "password"), *self.chain()],
            cwd=ROOT, env=dict(os.environ, OPENRSP_HOME=str(home)), stdout=log, stderr=subprocess.STDOUT)
        self.url, self.ca = f"https://127.0.0.1:{port}", str(cert)
        for _ in range(300):
            if "portal listening" in (self.work / "portal.log").read_text():
                return
            if self.portal_proc.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError("portal serve did not start: " + (self.work / "portal.log").read_text()[-2000:])

    def stop(self):
        if self.portal_proc and self.portal_proc.poll() is None:
            self.portal_proc.terminate()
            self.portal_proc.wait(timeout=60)
        if self.smdp_proc and self.smdp_proc.poll() is None:
            self.smdp_proc.terminate()
            self.smdp_proc.wait(timeout=30)
        if self.rpc:
            subprocess.run([self.bin, "devnet", "stop"], env=dict(os.environ, OPENRSP_HOME=str(self.home("chain"))),
                           capture_output=True, timeout=60)
        if os.environ.get("KEEP") != "1":
            shutil.rmtree(self.work, ignore_errors=True)
