"""The portal in a real browser (issue 16): Debian's chromium, headless, driven by Selenium through
chromium-driver. An injected minimal EIP-1193 provider forwards to the devnet, which signs for its dev
accounts (eth_requestAccounts → eth_accounts, eth_signTypedData_v4). The test searches the catalog by
country and by network, buys a plan with the gasless purchase for a software eUICC's EID, checks the
entitlement on chain against keccak256(EID ‖ salt) computed here from the salt the browser made, decodes
the activation code's QR Code with zbarimg, downloads the profile with `openrsp profile download`, and
sees a usage batch the MNO posts on the entitlement's page. Then, on that page, the owner disputes a
contradicting batch the MNO posts (the batch is voided), cancels, closes after the posting grace and
withdraws the refund with the wallet's eth_sendTransaction; the stablecoin balance on chain rises by the
credit. The token's ERC-1155 metadata is fetched through the contract's `uri`. Screenshots of each page go
to $PORTAL_ARTIFACTS (default tools/portal/artifacts)."""

import base64
import json
import os
import re
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from eth_abi import decode, encode
from eth_hash.auto import keccak
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from world import ROOT, World, free_port

ARTIFACTS = Path(os.environ.get("PORTAL_ARTIFACTS", Path(__file__).resolve().parent / "artifacts"))

# A minimal EIP-1193 provider (what a wallet extension injects), forwarding JSON-RPC to the devnet.
PROVIDER = """
window.ethereum = {
  isOpenRSPTestWallet: true,
  request: async ({ method, params }) => {
    if (method === "eth_requestAccounts") { method = "eth_accounts"; params = []; }
    const response = await fetch(%(rpc)s, { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: Date.now(), method, params: params || [] }) });
    const answer = await response.json();
    if (answer.error) { const e = new Error(answer.error.message); e.code = answer.error.code; throw e; }
    if (method === "eth_accounts") return [%(account)s];
    return answer.result;
  },
};
"""


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    catalog = tmp_path_factory.mktemp("catalog")
    world = World()
    proc = None
    try:
        port = quiet_port()
        # PlanEntitlements' ERC-1155 uri template points at this portal, as governance would set it.
        world.build(catalog, metadata_uri=f"http://127.0.0.1:{port}/tokens/{{id}}.json")
        world.catalog = Path(catalog)
        log = open(world.work / "portal.log", "w")
        env = dict(os.environ, OPENRSP_HOME=str(world.home("portal")))
        proc = subprocess.Popen([world.bin, "portal", "serve", "--insecure-loopback-http", "--port", str(port),
                                 "--catalog", str(catalog), "--account", "portal",
                                 "--password-file", str(world.home("portal") / "password"), *world.es2_options(),
                                 *world.chain()],
                                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                with urllib.request.urlopen(url + "/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError("portal serve exited: " + (world.work / "portal.log").read_text()[-2000:])
                time.sleep(0.2)
        world.url = url
        yield world
    finally:
        stopped = None
        if proc and proc.poll() is None:
            proc.terminate()
            stopped = proc.wait(timeout=60)
        if os.environ.get("PORTAL_LOG") == "1" and (world.work / "portal.log").exists():
            print((world.work / "portal.log").read_text()[-4000:])
        world.stop()
    # SIGTERM is a graceful stop: exit status 0 (no crash while shutting down its clients).
    assert stopped in (None, 0), f"portal serve exited with {stopped} on SIGTERM"


@pytest.fixture(scope="module")
def browser(portal):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1200,1000",
                 "--disable-background-networking", "--no-first-run", "--disable-extensions"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(60)
    # A wallet extension runs outside the page's Content-Security-Policy; so does this injected one.
    driver.execute_cdp_cmd("Page.setBypassCSP", {"enabled": True})
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {
        "source": PROVIDER % {"rpc": json.dumps(portal.rpc), "account": json.dumps(portal.buyer)}})
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()


def quiet_port():
    """A free port below the ephemeral range: the world's outgoing connections cannot take it before serve binds it."""
    import random
    import socket
    for _ in range(64):
        port = random.randint(20000, 32767)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    return free_port()


def shot(driver, name):
    driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))


def plan_titles(driver):
    return [e.text for e in driver.find_elements(By.CSS_SELECTOR, "ul.plans h2")]


def test_catalog_search_by_country_and_network(portal, browser):
    browser.get(portal.url + "/")
    assert sorted(plan_titles(browser)) == ["Europe 10 GB", "France 1 GB", "Germany 5 GB"]
    assert "no third-party" not in browser.page_source  # sanity: the page is ours
    Select(browser.find_element(By.ID, "country")).select_by_visible_text("Germany")
    browser.find_element(By.CSS_SELECTOR, "form.search button[type=submit]").click()
    WebDriverWait(browser, 20).until(EC.text_to_be_present_in_element((By.ID, "count"), "for Germany"))
    assert sorted(plan_titles(browser)) == ["Europe 10 GB", "Germany 5 GB"]
    # Names come from iso-codes and mobile-broadband-provider-info, not from the plan documents.
    assert "T-Mobile" in browser.find_element(By.CSS_SELECTOR, "ul.plans").text
    shot(browser, "catalog")
    browser.get(portal.url + "/?network=208-01")
    assert sorted(plan_titles(browser)) == ["Europe 10 GB", "France 1 GB"]
    browser.get(portal.url + "/?network=20801x")
    assert browser.find_element(By.CSS_SELECTOR, "[role=alert]").text.startswith("A network is MCC-MNC")
    assert plan_titles(browser) == []
    # Every resource the page loads is the portal's own.
    for src in [e.get_attribute("src") for e in browser.find_elements(By.CSS_SELECTOR, "script[src], img[src]")] + \
               [e.get_attribute("href") for e in browser.find_elements(By.CSS_SELECTOR, "link[href]")]:
        assert src.startswith(portal.url + "/"), src


def test_plan_document_matches_the_hash_on_chain(portal):
    """The served bytes are the document whose keccak256 the MVNO recorded; the CLI checks the same."""
    plan = portal.plans["Germany 5 GB"]
    with urllib.request.urlopen(f"{portal.url}/plans/{plan}/metadata.json", timeout=10) as r:
        served = r.read()
    assert served == (portal.catalog / f"{plan}.json").read_bytes()
    shown = portal.rsp("gov", "plan", "show", plan, "--catalog", str(portal.catalog), *portal.chain())
    assert shown["metadata"]["countries"] == ["DE"] and shown["metadata"]["name"] == "Germany 5 GB"
    listed = portal.rsp("gov", "plan", "list", "--country", "DE", "--catalog", str(portal.catalog), *portal.chain())
    assert sorted(p["metadata"]["name"] for p in listed) == ["Europe 10 GB", "Germany 5 GB"]
    by_network = portal.rsp("gov", "plan", "list", "--network", "232-01", "--catalog", str(portal.catalog), *portal.chain())
    assert [p["metadata"]["name"] for p in by_network] == ["Europe 10 GB"]
    # A document that differs by one byte from the recorded one is refused with its code.
    tampered = portal.work / "tampered"
    tampered.mkdir()
    (tampered / f"{plan}.json").write_bytes(served.replace(b'"DE"', b'"FR"'))
    with pytest.raises(RuntimeError, match="344"):
        portal.rsp("gov", "plan", "show", plan, "--catalog", str(tampered), *portal.chain())


def test_buy_with_the_browser_wallet(portal, browser):
    plan = portal.plans["Germany 5 GB"]
    browser.get(f"{portal.url}/plans/{plan}")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Germany 5 GB"
    label = browser.find_element(By.CSS_SELECTOR, "label[for=eid]")
    assert "EID" in label.text
    browser.find_element(By.ID, "connect").click()
    WebDriverWait(browser, 20).until(EC.text_to_be_present_in_element((By.ID, "account"), portal.buyer))
    eid = browser.find_element(By.ID, "eid")
    eid.send_keys(portal.eid)
    shot(browser, "plan")
    browser.find_element(By.ID, "buy").click()
    WebDriverWait(browser, 90).until(lambda d: d.find_element(By.ID, "result").is_displayed()
                                     or "error" in (d.find_element(By.ID, "status").get_attribute("class") or ""))
    status = browser.find_element(By.ID, "status").text
    assert browser.find_element(By.ID, "result").is_displayed(), status
    token = browser.find_element(By.ID, "token-id").text.lstrip("#")
    salt = browser.find_element(By.ID, "salt").text
    assert re.fullmatch(r"0x[0-9a-f]{64}", salt)
    shot(browser, "purchase")
    shown = portal.rsp("gov", "entitlement", "show", token, *portal.chain())
    assert shown["owner"].lower() == portal.buyer.lower()
    assert shown["planId"] == plan
    # The browser's keccak-256 and the commitment on chain: keccak256(EID as 16 BCD bytes ‖ salt).
    assert shown["commitment"].lower() == "0x" + keccak(bytes.fromhex(portal.eid) + bytes.fromhex(salt[2:])).hex()
    # The portal ordered the profile: activation code, LPA link, and a QR Code that zbarimg decodes to the link.
    WebDriverWait(browser, 60).until(lambda d: d.find_element(By.ID, "activation").is_displayed()
                                     or "error" in (d.find_element(By.ID, "status").get_attribute("class") or ""))
    assert browser.find_element(By.ID, "activation").is_displayed(), browser.find_element(By.ID, "status").text
    code = browser.find_element(By.ID, "activation-code").text
    link = browser.execute_script("return arguments[0].getAttribute('href')", browser.find_element(By.ID, "lpa-link"))
    assert code.startswith("LPA:1$127.0.0.1:") and link == code  # SGP.22: the SM-DP+ answers the LPA: form
    browser.execute_script("arguments[0].scrollIntoView()", browser.find_element(By.ID, "activation"))
    shot(browser, "activation")
    png = base64.b64decode(browser.find_element(By.ID, "qr").get_attribute("src").split(",", 1)[1])
    (ARTIFACTS / "activation-qr.png").write_bytes(png)
    decoded = subprocess.run(["zbarimg", "--raw", "-q", str(ARTIFACTS / "activation-qr.png")], capture_output=True, text=True, timeout=30)
    assert decoded.stdout.strip() == link
    # The user's phone (the software eUICC whose EID was typed) downloads the profile with that code.
    portal.rsp("user", "profile", "download", "--simulator", str(portal.home("user") / "euicc"), "-a", code,
               "--trust", "both", "--rpc-url", portal.rpc)
    for _ in range(150):
        if portal.rsp("gov", "entitlement", "show", token, *portal.chain())["delivered"]:
            break
        time.sleep(0.2)
    assert portal.rsp("gov", "entitlement", "show", token, *portal.chain())["delivered"] is True
    # The salt file offered for download carries the same salt and the entitlement id.
    href = browser.find_element(By.ID, "salt-file").get_attribute("href")
    kept = browser.execute_async_script(
        "const done = arguments[arguments.length - 1]; fetch(arguments[0]).then(r => r.text()).then(done);", href)
    kept = json.loads(kept)
    assert (kept["salt"], kept["eid"], kept["tokenId"]) == (salt, portal.eid, token)
    # My entitlements lists it, active, for the connected wallet.
    browser.get(f"{portal.url}/entitlements")
    browser.find_element(By.ID, "mine").click()
    WebDriverWait(browser, 20).until(EC.presence_of_element_located((By.ID, "owner")))
    row = browser.find_element(By.XPATH, f"//tbody/tr[th='#{token}']")
    assert "Germany 5 GB" in row.text and row.find_element(By.CLASS_NAME, "state").text == "active"
    assert row.find_elements(By.TAG_NAME, "td")[-1].text == "yes"  # delivery recorded by the SM-DP+
    shot(browser, "entitlements")
    # The MNO posts a usage batch (the operator's CLI); the entitlement's page shows it and the chart.
    mno = portal.home("mno")
    start = portal.rsp("gov", "entitlement", "show", token, *portal.chain())["start"]
    portal.rsp("mno", "usage", "generate", "--entitlement", token, "--count", "3", "--period-start", str(start),
               "--format", "jsonl", "--out", str(mno / "cdrs.jsonl"))
    cdr_bytes = sum(json.loads(line)["bytes"] for line in (mno / "cdrs.jsonl").read_text().splitlines() if line.strip())
    portal.rsp("mno", "usage", "import", str(mno / "cdrs.jsonl"), "--database", str(mno / "usage.sqlite"), "--rpc-url", portal.rpc)
    portal.rsp("mno", "usage", "post", "--database", str(mno / "usage.sqlite"), "--rpc-url", portal.rpc,
               "--account", "mno", "--password-file", str(mno / "password"))
    row.find_element(By.TAG_NAME, "a").click()
    WebDriverWait(browser, 20).until(EC.presence_of_element_located((By.ID, "usage-chart")))
    batches = browser.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert len(batches) == 1 and batches[0].find_element(By.CLASS_NAME, "batch-state").text == "pending"
    assert batches[0].find_element(By.CLASS_NAME, "bytes").text == f"{cdr_bytes / 1e6:.2f} MB"
    assert browser.find_element(By.ID, "used").text == f"{cdr_bytes / 1e6:.2f} MB of 5000.00 MB"
    points = browser.find_element(By.CSS_SELECTOR, "#usage-chart polyline").get_attribute("points").split()
    assert len(points) == 3  # start, then one step up at the batch
    shot(browser, "usage")
    portal.token, portal.cdr_bytes = token, cdr_bytes


def test_api_refusals_change_nothing(portal):
    plan = portal.plans["France 1 GB"]
    before = portal.rsp("gov", "plan", "show", plan, *portal.chain())["sold"]

    def post(path, body):
        return post_api(portal, path, body)

    status, answer = post(f"/api/plans/{plan}/authorization", {"buyer": "nope", "commitment": "0x" + "11" * 32})
    assert status == 400 and answer["error"]["code"] == "portal-authorization-invalid"
    status, answer = post(f"/api/plans/{plan}/authorization", {"buyer": portal.buyer, "commitment": "0x" + "11" * 32})
    assert status == 200 and json.loads(answer["typedData"])["message"]["value"] == 5000000
    # A signature by someone else than the buyer: the token refuses it, nothing is sent.
    status, answer = post(f"/api/plans/{plan}/purchase", {
        "buyer": portal.buyer, "commitment": "0x" + "11" * 32, "purchaseNonce": answer["purchaseNonce"],
        "validAfter": answer["validAfter"], "validBefore": answer["validBefore"], "signature": "0x" + "22" * 64 + "1b"})
    assert status == 409 and answer["error"]["code"] == "portal-purchase-refused", answer
    assert "requestId" in answer["error"] and "/" not in answer["error"]["message"]
    status, answer = post("/api/plans/999/authorization", {"buyer": portal.buyer, "commitment": "0x" + "11" * 32})
    assert status == 404 and answer["error"]["code"] == "portal-not-found"
    assert portal.rsp("gov", "plan", "show", plan, *portal.chain())["sold"] == before


# --- settlement actions on the entitlement's page (dispute, cancel, close, withdraw) ---------------------------------

def rpc(portal, method, *params):
    req = urllib.request.Request(portal.rpc, data=json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        answer = json.loads(r.read())
    assert "error" not in answer, answer
    return answer["result"]


def call_uint(portal, to, signature, types=(), args=()):
    """eth_call of a view returning one uint256 (or an address/bool as an int)."""
    data = keccak(signature.encode())[:4] + encode(list(types), list(args))
    return int(rpc(portal, "eth_call", {"to": to, "data": "0x" + data.hex()}, "latest"), 16)


def advance(portal, seconds):
    rpc(portal, "evm_increaseTime", seconds)
    rpc(portal, "evm_mine")


def post_api(portal, path, body):
    req = urllib.request.Request(portal.url + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def shot_settlement(browser, name):
    """A screenshot with the page's settlement section (actions, status line) in view."""
    browser.execute_script("arguments[0].scrollIntoView()", browser.find_element(By.ID, "actions-h"))
    shot(browser, name)


def wait_status(browser, text, timeout=90):
    """Waits for the page's status line to contain `text` (or to show an error, which fails the test)."""
    WebDriverWait(browser, timeout).until(lambda d: text in d.find_element(By.ID, "status").text
                                          or "error" in (d.find_element(By.ID, "status").get_attribute("class") or ""))
    status = browser.find_element(By.ID, "status")
    assert text in status.text, status.text
    return status.text


def test_dispute_cancel_close_and_withdraw_on_the_page(portal, browser):
    token = getattr(portal, "token", None)
    assert token, "needs the entitlement bought by test_buy_with_the_browser_wallet"
    mno = portal.home("mno")
    settlement, stablecoin = portal.contracts["UsageSettlement"], portal.contracts["TestStablecoin"]
    window = call_uint(portal, settlement, "DISPUTE_WINDOW()")
    grace = call_uint(portal, settlement, "POSTING_GRACE()")
    database = ["--database", str(mno / "usage.sqlite"), "--rpc-url", portal.rpc]
    operator = ["--account", "mno", "--password-file", str(mno / "password")]
    # The first batch settles after its dispute window.
    advance(portal, window + 1)
    portal.rsp("mno", "usage", "settle", *database, *operator)
    # The MNO posts a second batch in which CDR 5's period lies before the entitlement started: it contradicts.
    shown = portal.rsp("gov", "entitlement", "show", token, *portal.chain())
    start, end = int(shown["start"]), int(shown["end"])
    bad = [{"entitlementId": token, "sequence": 4, "bytes": 2_000_000, "periodStart": start + 600, "periodEnd": start + 1200,
            "cdrHash": "0x" + keccak(b"cdr 4").hex()},
           {"entitlementId": token, "sequence": 5, "bytes": 3_000_000, "periodStart": start - 7200, "periodEnd": start - 3600,
            "cdrHash": "0x" + keccak(b"cdr 5").hex()}]
    bad_file = mno / "bad-batch.jsonl"
    bad_file.write_text("".join(json.dumps(c) + "\n" for c in bad))
    portal.rsp("mno", "usage", "import", str(bad_file), *database)
    portal.rsp("mno", "usage", "post", *database, *operator)
    buyer_nonce = int(rpc(portal, "eth_getTransactionCount", portal.buyer, "latest"), 16)

    # Refusals change nothing: the first batch's CDR file is not the pending batch; a good CDR's proof does not
    # contradict it; a wallet that is not the owner; nothing owed yet.
    first = (mno / "cdrs.jsonl").read_text()
    status, answer = post_api(portal, f"/api/entitlements/{token}/dispute",
                              {"from": portal.buyer, "evidence": "cdrs", "format": "jsonl", "content": first})
    assert status == 409 and answer["error"]["code"] == "portal-evidence-mismatch", answer
    good_proof = portal.rsp("mno", "usage", "prove", "--cdr", f"{token}:4", "--database", str(mno / "usage.sqlite"))
    status, answer = post_api(portal, f"/api/entitlements/{token}/dispute",
                              {"from": portal.buyer, "evidence": "proof", "content": json.dumps(good_proof)})
    assert status == 409 and answer["error"]["code"] == "portal-no-contradiction", answer
    status, answer = post_api(portal, f"/api/entitlements/{token}/dispute",
                              {"from": portal.devnet_accounts[8]["address"], "evidence": "cdrs", "content": bad_file.read_text()})
    assert status == 403 and answer["error"]["code"] == "portal-not-owner", answer
    status, answer = post_api(portal, f"/api/entitlements/{token}/dispute",
                              {"from": portal.buyer, "evidence": "proof", "content": "{not json"})
    assert status == 400 and answer["error"]["code"] == "portal-evidence-invalid", answer
    assert "/" not in answer["error"]["message"] and "requestId" in answer["error"]
    status, answer = post_api(portal, "/api/withdraw", {"from": portal.buyer})
    assert status == 409 and answer["error"]["code"] == "portal-nothing-owed", answer
    status, answer = post_api(portal, f"/api/entitlements/{token}/dispute",
                              {"from": portal.buyer, "evidence": "cdrs", "content": "x" * (1 << 20)})
    assert status == 400 and answer["error"]["code"] == "portal-bad-request", answer
    # The operator's proof of CDR 5 is accepted: the portal answers the checked transaction and sends nothing itself.
    proof = portal.rsp("mno", "usage", "prove", "--cdr", f"{token}:5", "--database", str(mno / "usage.sqlite"))
    status, answer = post_api(portal, f"/api/entitlements/{token}/dispute",
                              {"from": portal.buyer, "evidence": "proof", "content": json.dumps(proof)})
    assert status == 200, answer
    assert (answer["leafIndex"], answer["sequence"], answer["reason"]) == (1, 5, "bad period")
    assert answer["transaction"]["to"].lower() == settlement.lower() and answer["transaction"]["from"].lower() == portal.buyer.lower()
    assert answer["transaction"]["data"].startswith("0x" + keccak(
        b"dispute(uint256,(uint64,uint64,uint64,bool,bytes32,uint64,uint64,uint64),(uint256,uint64,uint64,uint64,uint64,bytes32),uint256,bytes32[])"
    )[:4].hex())
    assert int(rpc(portal, "eth_getTransactionCount", portal.buyer, "latest"), 16) == buyer_nonce

    # The owner disputes through the page with the batch's CDR file (chosen with the file input).
    browser.get(f"{portal.url}/entitlements/{token}")
    rows = browser.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert [r.find_element(By.CLASS_NAME, "batch-state").text for r in rows] == ["settled", "pending"]
    assert browser.find_element(By.CSS_SELECTOR, "label[for=evidence-file]").text == "Choose the file"
    browser.find_element(By.ID, "evidence-file").send_keys(str(bad_file))
    WebDriverWait(browser, 10).until(lambda d: d.find_element(By.ID, "evidence").get_attribute("value").strip())
    assert Select(browser.find_element(By.ID, "evidence-kind")).first_selected_option.get_attribute("value") == "cdrs"
    shot_settlement(browser, "dispute-form")
    browser.find_element(By.ID, "dispute").click()
    done = wait_status(browser, "Disputed")
    assert "bad period" in done and "CDR 5" in done
    rows = browser.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert [r.find_element(By.CLASS_NAME, "batch-state").text for r in rows] == ["settled", "voided (disputed)"]
    assert browser.find_element(By.ID, "used").text == f"{portal.cdr_bytes / 1e6:.2f} MB of 5000.00 MB"  # the voided batch is not counted
    assert browser.find_elements(By.ID, "dispute-form") == []  # nothing pending any more
    shot_settlement(browser, "disputed")

    # Cancel (the plan refunds at expiry or on cancellation), by the owner.
    browser.find_element(By.ID, "cancel").click()
    wait_status(browser, "Cancelled")
    assert browser.find_element(By.ID, "state").text == "cancelled"
    shot_settlement(browser, "cancelled")
    # Closing is refused while the posting grace runs: the page says the contract's reason and nothing is sent.
    nonce = int(rpc(portal, "eth_getTransactionCount", portal.buyer, "latest"), 16)
    browser.find_element(By.ID, "close").click()
    WebDriverWait(browser, 30).until(lambda d: "error" in (d.find_element(By.ID, "status").get_attribute("class") or ""))
    assert "posting window open" in browser.find_element(By.ID, "status").text
    assert "portal-action-refused" in browser.find_element(By.ID, "status").text
    assert int(rpc(portal, "eth_getTransactionCount", portal.buyer, "latest"), 16) == nonce
    advance(portal, grace + 1)
    browser.get(f"{portal.url}/entitlements/{token}")
    browser.find_element(By.ID, "close").click()
    wait_status(browser, "Closed")
    assert browser.find_element(By.ID, "closed").text.startswith("Closed")
    # The refund: the price less the settled first batch's share (UsageSettlement.close).
    price = 12_000_000
    refund = price - price * portal.cdr_bytes // (5000 * 10**6)
    owed = call_uint(portal, settlement, "owed(address)", ["address"], [portal.buyer])
    assert owed == refund
    shot_settlement(browser, "closed")

    # Withdraw: the wallet's stablecoin balance rises by exactly the credit.
    before = call_uint(portal, stablecoin, "balanceOf(address)", ["address"], [portal.buyer])
    browser.find_element(By.ID, "withdraw").click()
    done = wait_status(browser, "Withdrew")
    assert call_uint(portal, stablecoin, "balanceOf(address)", ["address"], [portal.buyer]) == before + refund
    assert call_uint(portal, settlement, "owed(address)", ["address"], [portal.buyer]) == 0
    assert browser.find_element(By.ID, "credit").text == "0 " + done.split()[2]  # "Withdrew 11.9… tUSD …": the symbol
    shot_settlement(browser, "withdrawn")


def test_token_metadata_through_the_contract_uri(portal):
    """ERC-1155: the contract's `uri` with `{id}` replaced by the token id (64 lower-case hex digits)."""
    token = getattr(portal, "token", None)
    assert token, "needs the entitlement bought by test_buy_with_the_browser_wallet"
    plans = portal.contracts["PlanEntitlements"]
    data = keccak(b"uri(uint256)")[:4] + encode(["uint256"], [int(token)])
    template = decode(["string"], bytes.fromhex(rpc(portal, "eth_call", {"to": plans, "data": "0x" + data.hex()}, "latest")[2:]))[0]
    assert template == f"{portal.url}/tokens/{{id}}.json"
    url = template.replace("{id}", f"{int(token):064x}")
    with urllib.request.urlopen(url, timeout=10) as r:
        assert r.headers["Content-Type"] == "application/json"
        metadata = json.loads(r.read())
    plan = portal.plans["Germany 5 GB"]
    document = (portal.catalog / f"{plan}.json").read_bytes()
    assert metadata["name"].startswith("Germany 5 GB") and metadata["decimals"] == 0
    props = metadata["properties"]
    assert props["planId"] == plan and props["entitlementId"] == token
    assert props["planMetadataHash"] == "0x" + keccak(document).hex()
    with urllib.request.urlopen(portal.url + props["planMetadata"], timeout=10) as r:
        assert keccak(r.read()).hex() == props["planMetadataHash"][2:]
    for missing in (f"{999999:064x}.json", "12.json", "zz" * 32 + ".json", f"{int(token):064x}.txt"):
        try:
            urllib.request.urlopen(f"{portal.url}/tokens/{missing}", timeout=10)
            raise AssertionError(f"{missing} answered")
        except urllib.error.HTTPError as e:
            assert e.code == 404 and json.loads(e.read())["error"]["code"] == "portal-not-found"
