// The portal's only script (served at /static/portal.js, no third-party code): the EIP-1193 wallet
// connection, the commitment salt made in the browser, keccak-256 for keccak256(EID ‖ salt), the gasless
// purchase (eth_signTypedData_v4 of the EIP-3009 authorisation the portal relays), and the entitlement
// page's settlement actions (eth_sendTransaction of the transactions the portal checks and prepares).
enum PortalScript {
    static let source = #"""
"use strict";
// Keccak-256 (the Ethereum hash, original padding), 64-bit lanes as BigInt.
const KECCAK_RC = ["0x1", "0x8082", "0x800000000000808a", "0x8000000080008000", "0x808b", "0x80000001",
  "0x8000000080008081", "0x8000000000008009", "0x8a", "0x88", "0x80008009", "0x8000000a", "0x8000808b",
  "0x800000000000008b", "0x8000000000008089", "0x8000000000008003", "0x8000000000008002", "0x8000000000000080",
  "0x800a", "0x800000008000000a", "0x8000000080008081", "0x8000000000008080", "0x80000001", "0x8000000080008008"].map(BigInt);
const KECCAK_ROT = [[0, 36, 3, 41, 18], [1, 44, 10, 45, 2], [62, 6, 43, 15, 61], [28, 55, 25, 21, 56], [27, 20, 39, 8, 14]];
const MASK64 = (1n << 64n) - 1n;
function rotl64(v, n) { return n === 0 ? v : ((v << BigInt(n)) | (v >> BigInt(64 - n))) & MASK64; }
function keccakF(s) {
  for (let round = 0; round < 24; round++) {
    const c = [];
    for (let x = 0; x < 5; x++) c[x] = s[x] ^ s[x + 5] ^ s[x + 10] ^ s[x + 15] ^ s[x + 20];
    for (let x = 0; x < 5; x++) {
      const d = c[(x + 4) % 5] ^ rotl64(c[(x + 1) % 5], 1);
      for (let y = 0; y < 5; y++) s[x + 5 * y] ^= d;
    }
    const b = new Array(25);
    for (let x = 0; x < 5; x++) for (let y = 0; y < 5; y++) b[y + 5 * ((2 * x + 3 * y) % 5)] = rotl64(s[x + 5 * y], KECCAK_ROT[x][y]);
    for (let x = 0; x < 5; x++) for (let y = 0; y < 5; y++)
      s[x + 5 * y] = b[x + 5 * y] ^ ((~b[(x + 1) % 5 + 5 * y] & MASK64) & b[(x + 2) % 5 + 5 * y]);
    s[0] ^= KECCAK_RC[round];
  }
}
function keccak256(bytes) {
  const rate = 136;
  const padded = new Uint8Array(Math.floor(bytes.length / rate) * rate + rate);
  padded.set(bytes);
  padded[bytes.length] ^= 0x01;
  padded[padded.length - 1] ^= 0x80;
  const s = new Array(25).fill(0n);
  for (let off = 0; off < padded.length; off += rate) {
    for (let i = 0; i < rate / 8; i++) {
      let lane = 0n;
      for (let k = 7; k >= 0; k--) lane = (lane << 8n) | BigInt(padded[off + 8 * i + k]);
      s[i] ^= lane;
    }
    keccakF(s);
  }
  const out = new Uint8Array(32);
  for (let i = 0; i < 4; i++) for (let k = 0; k < 8; k++) out[8 * i + k] = Number((s[i] >> BigInt(8 * k)) & 0xffn);
  return out;
}
function toHex(bytes) { return "0x" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(""); }
function fromHex(hex) {
  const h = hex.startsWith("0x") ? hex.slice(2) : hex;
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.substr(2 * i, 2), 16);
  return out;
}
// The commitment PlanEntitlements stores: keccak256(EID as 16 BCD bytes ‖ 32-byte salt).
function commitmentOf(eidDigits, salt) {
  const input = new Uint8Array(48);
  input.set(fromHex(eidDigits), 0);
  input.set(salt, 16);
  return toHex(keccak256(input));
}
if (typeof module !== "undefined") module.exports = { keccak256, commitmentOf, toHex };

function wallet() {
  if (!window.ethereum || typeof window.ethereum.request !== "function") throw new Error("No EIP-1193 wallet found in this browser.");
  return window.ethereum;
}
async function connect() {
  const accounts = await wallet().request({ method: "eth_requestAccounts" });
  if (!accounts || !accounts.length) throw new Error("The wallet gave no account.");
  sessionStorage.setItem("openrsp.account", accounts[0]);
  showAccount();
  return accounts[0];
}
function account() { return sessionStorage.getItem("openrsp.account"); }
function showAccount() {
  const out = document.getElementById("account");
  if (out) out.textContent = account() ? "Connected: " + account() : "";
  const mine = document.getElementById("mine");
  if (mine && account()) { mine.href = "/entitlements?owner=" + encodeURIComponent(account()); mine.hidden = false; }
}
function say(text, isError) {
  const status = document.getElementById("status");
  if (!status) return;
  status.textContent = text;
  status.className = isError ? "error" : "";
}
async function api(path, body) {
  const response = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  const answer = await response.json().catch(() => ({ error: { code: "portal-bad-answer", message: "unreadable answer" } }));
  if (!response.ok) throw new Error(answer.error ? answer.error.message + " [" + answer.error.code + "]" : "HTTP " + response.status);
  return answer;
}
async function purchase(form) {
  const eid = form.querySelector("#eid").value.trim();
  if (!/^[0-9]{32}$/.test(eid)) throw new Error("The EID is 32 digits.");
  const buyer = account() || await connect();
  const plan = form.dataset.plan;
  const salt = crypto.getRandomValues(new Uint8Array(32));
  const commitment = commitmentOf(eid, salt);
  const keep = { planId: plan, eid: eid, salt: toHex(salt), commitment: commitment, buyer: buyer };
  const link = document.getElementById("salt-file");
  link.href = URL.createObjectURL(new Blob([JSON.stringify(keep, null, 1)], { type: "application/json" }));
  document.getElementById("salt").textContent = toHex(salt);
  document.getElementById("salt-box").hidden = false;
  say("Preparing the payment authorisation…");
  const quote = await api("/api/plans/" + plan + "/authorization", { buyer: buyer, commitment: commitment });
  say("Sign the payment in your wallet…");
  const signature = await wallet().request({ method: "eth_signTypedData_v4", params: [buyer, quote.typedData] });
  say("Sending the purchase…");
  const bought = await api("/api/plans/" + plan + "/purchase", {
    buyer: buyer, commitment: commitment, purchaseNonce: quote.purchaseNonce, validAfter: quote.validAfter,
    validBefore: quote.validBefore, signature: signature });
  keep.tokenId = bought.tokenId;
  link.href = URL.createObjectURL(new Blob([JSON.stringify(keep, null, 1)], { type: "application/json" }));
  link.download = "openrsp-entitlement-" + bought.tokenId + ".json";
  document.getElementById("token-id").textContent = "#" + bought.tokenId;
  document.getElementById("tx").textContent = bought.transaction;
  document.getElementById("result").hidden = false;
  say("Bought: entitlement #" + bought.tokenId + ".");
  document.getElementById("result-h").focus();
  if (form.dataset.ordering === "yes") await activation(bought.tokenId, eid, toHex(salt));
}
// The profile order for the entitlement: activation code, LPA:1$… link and QR Code (PNG from the portal).
async function activation(tokenId, eid, salt) {
  say("Ordering your profile from the SM-DP+…");
  const order = await api("/api/entitlements/" + tokenId + "/order", { eid: eid, salt: salt });
  document.getElementById("activation-code").textContent = order.activationCode;
  const link = document.getElementById("lpa-link");
  link.href = order.lpaLink;
  link.textContent = order.lpaLink;
  const qr = document.getElementById("qr");
  qr.src = "data:image/png;base64," + order.qrPng;
  qr.alt = "QR Code of " + order.lpaLink;
  document.getElementById("activation").hidden = false;
  say("Your profile is ready: scan the QR Code with the phone, or open the LPA link on it.");
}
// Settlement actions on an entitlement's page: the portal checks and prepares {from, to, data}; the
// wallet sends it (eth_sendTransaction); the page waits for the receipt and reloads to show the chain.
async function sendPrepared(tx) {
  say("Confirm the transaction in your wallet…");
  const hash = await wallet().request({ method: "eth_sendTransaction", params: [{ from: tx.from, to: tx.to, data: tx.data }] });
  say("Sent " + hash + "; waiting for it to be mined…");
  for (let i = 0; i < 180; i++) {
    const receipt = await wallet().request({ method: "eth_getTransactionReceipt", params: [hash] });
    if (receipt) {
      if (receipt.status !== "0x1") throw new Error("The transaction " + hash + " failed on chain.");
      return hash;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new Error("The transaction " + hash + " is not mined yet; reload the page later.");
}
function evidenceBody() {
  const kind = document.getElementById("evidence-kind").value;
  const content = document.getElementById("evidence").value;
  if (!content.trim()) throw new Error("Choose or paste the proof or the CDR file first.");
  if (kind === "proof") return { evidence: "proof", content: content };
  return { evidence: "cdrs", format: kind === "cdrs-csv" ? "csv" : "jsonl", content: content };
}
const DONE = {
  dispute: (a, h) => "Disputed: leaf " + a.leafIndex + " (CDR " + a.sequence + ", " + a.reason + ") voids the batch. Transaction " + h + ".",
  cancel: (a, h) => "Cancelled. Transaction " + h + ".",
  close: (a, h) => "Closed: the unused escrow is credited. Transaction " + h + ".",
  withdraw: (a, h) => "Withdrew " + a.amountText + " to your wallet. Transaction " + h + ".",
};
async function settlementAction(section, kind, body) {
  const from = account() || await connect();
  const path = kind === "withdraw" ? "/api/withdraw" : "/api/entitlements/" + section.dataset.entitlement + "/" + kind;
  say("Checking against the chain…");
  const prepared = await api(path, Object.assign({ from: from }, body));
  const hash = await sendPrepared(prepared.transaction);
  sessionStorage.setItem("openrsp.done", DONE[kind](prepared, hash));
  location.reload();
}
function wireSettlement(section) {
  const done = sessionStorage.getItem("openrsp.done");
  if (done) { sessionStorage.removeItem("openrsp.done"); say(done); }
  const hint = document.getElementById("owner-hint");
  if (hint && account() && account().toLowerCase() !== section.dataset.owner.toLowerCase())
    hint.textContent = "The connected wallet is not this entitlement's owner: only the owner can dispute or cancel.";
  const run = (button, kind, body) => {
    button.disabled = true;
    Promise.resolve().then(() => settlementAction(section, kind, body ? body() : {}))
      .catch((e) => say(e.message, true)).finally(() => { button.disabled = false; });
  };
  for (const kind of ["cancel", "close", "withdraw"]) {
    const button = document.getElementById(kind);
    if (button) button.addEventListener("click", () => run(button, kind));
  }
  const file = document.getElementById("evidence-file");
  if (file) file.addEventListener("change", () => {
    const chosen = file.files[0];
    if (!chosen) return;
    if (chosen.size > 1000000) { say("The file is over 1 MB.", true); return; }
    const kind = document.getElementById("evidence-kind");
    if (/\.csv$/i.test(chosen.name)) kind.value = "cdrs-csv";
    else if (/\.(jsonl|ndjson)$/i.test(chosen.name)) kind.value = "cdrs";
    chosen.text().then((text) => { document.getElementById("evidence").value = text; say("Read " + chosen.name + "."); });
  });
  const form = document.getElementById("dispute-form");
  if (form) form.addEventListener("submit", (event) => {
    event.preventDefault();
    run(document.getElementById("dispute"), "dispute", evidenceBody);
  });
}
if (typeof document !== "undefined") document.addEventListener("DOMContentLoaded", () => {
  showAccount();
  const section = document.getElementById("actions");
  if (section) wireSettlement(section);
  const button = document.getElementById("connect");
  if (button) button.addEventListener("click", () => connect().catch((e) => say(e.message, true)));
  const form = document.getElementById("purchase");
  if (form) form.addEventListener("submit", (event) => {
    event.preventDefault();
    const submit = form.querySelector("button[type=submit]");
    submit.disabled = true;
    purchase(form).catch((e) => say(e.message, true)).finally(() => { submit.disabled = false; });
  });
});
"""#
}
