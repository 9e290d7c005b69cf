"""The portal in a real browser (issue 16): Debian's chromium, headless, driven by Selenium through
chromium-driver. An injected minimal EIP-1193 provider forwards to the devnet, which signs for its dev
accounts (eth_requestAccounts → eth_accounts, eth_signTypedData_v4). The test searches the catalog by
country and by network, buys a plan with the gasless purchase for a software eUICC's EID, checks the
entitlement on chain against keccak256(EID ‖ salt) computed here from the salt the browser made, decodes
the activation code's QR Code with zbarimg, downloads the profile with `openrsp profile download`, and
sees a usage batch the MNO posts on the entitlement's page. Screenshots of each page go
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
        world.build(catalog)
        world.catalog = Path(catalog)
        port = free_port()
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


def test_api_refusals_change_nothing(portal):
    plan = portal.plans["France 1 GB"]
    before = portal.rsp("gov", "plan", "show", plan, *portal.chain())["sold"]

    def post(path, body):
        req = urllib.request.Request(portal.url + path, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

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
