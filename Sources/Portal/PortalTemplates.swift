// Server-rendered pages (swift-mustache): the layout wraps each page's body. Plain HTML with labels,
// landmarks and live regions; no third-party assets.
import Mustache

enum PortalTemplates {
    static func library() throws -> MustacheLibrary {
        var library = MustacheLibrary()
        for (name, text) in [("layout", layout), ("catalog", catalog), ("plan", plan), ("entitlements", entitlements), ("usage", usage), ("error", error)] {
            try library.register(text, named: name)
        }
        return library
    }

    static let layout = """
    <!doctype html>
    <html lang="en">
    <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
    <title>{{title}} · OpenRSP</title><link rel="stylesheet" href="/static/portal.css"></head>
    <body>
    <a class="skip" href="#main">Skip to content</a>
    <header><p class="brand">OpenRSP eSIM plans</p>
    <nav aria-label="Main"><ul><li><a href="/">Plans</a></li><li><a href="/entitlements">My entitlements</a></li></ul></nav>
    <p class="wallet"><button type="button" id="connect">Connect wallet</button> <output id="account" aria-live="polite"></output></p>
    </header>
    <main id="main">
    {{{body}}}
    </main>
    <footer><p>Chain {{chainId}} · PlanEntitlements <code>{{plans}}</code> · every plan document here matches the hash its MVNO recorded on chain.</p></footer>
    <script src="/static/portal.js" defer></script>
    </body>
    </html>
    """

    static let catalog = """
    <h1>Data plans</h1>
    <form method="get" action="/" role="search" class="search">
    <p><label for="country">Country</label>
    <select id="country" name="country"><option value="">Any country</option>{{#countries}}<option value="{{code}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/countries}}</select></p>
    <p><label for="network">Network (MCC-MNC)</label>
    <input id="network" name="network" value="{{network}}" placeholder="262-01" size="8" maxlength="8" aria-describedby="network-help">
    <span id="network-help" class="help">Mobile country and network code, e.g. 262-01.</span></p>
    <p><button type="submit">Search</button></p>
    </form>
    {{#problem}}<p role="alert" class="error">{{problem}}</p>{{/problem}}
    <p id="count" role="status">{{count}} plan(s){{#filter}} for {{filter}}{{/filter}}.</p>
    <ul class="plans">
    {{#rows}}
    <li><article aria-labelledby="plan-{{id}}">
    <h2 id="plan-{{id}}"><a href="/plans/{{id}}">{{name}}</a></h2>
    <p>{{description}}</p>
    <dl><dt>Data</dt><dd>{{data}}</dd><dt>Valid for</dt><dd>{{validity}}</dd><dt>Price</dt><dd>{{price}}</dd>
    <dt>Countries</dt><dd>{{countries}}</dd><dt>Networks</dt><dd>{{networks}}</dd><dt>Operator</dt><dd>{{mvno}} on {{mno}}</dd></dl>
    </article></li>
    {{/rows}}
    </ul>
    """

    static let plan = """
    <h1>{{name}}</h1>
    <p>{{description}}</p>
    <dl class="terms">
    <dt>Data</dt><dd>{{data}}</dd><dt>Valid for</dt><dd>{{validity}}</dd><dt>Price</dt><dd>{{price}}</dd>
    <dt>Countries</dt><dd>{{countries}}</dd><dt>Networks</dt><dd>{{networks}}</dd>
    <dt>MVNO</dt><dd>{{mvno}} <code>{{mvnoAddress}}</code></dd><dt>MNO</dt><dd>{{mno}} <code>{{mnoAddress}}</code></dd>
    <dt>Profile type</dt><dd>{{profileType}}</dd><dt>Sold</dt><dd>{{sold}} of {{supplyCap}}</dd>
    <dt>Refunds</dt><dd>{{refundRule}}</dd><dt>Transfers</dt><dd>{{transfer}}</dd>
    <dt>Plan document</dt><dd><a href="/plans/{{id}}/metadata.json">metadata.json</a>, keccak-256 <code>{{metadataHash}}</code> (recorded on chain)</dd>
    </dl>
    {{#available}}
    <section aria-labelledby="buy-h">
    <h2 id="buy-h">Buy</h2>
    <form id="purchase" data-plan="{{id}}" data-ordering="{{#ordering}}yes{{/ordering}}{{^ordering}}no{{/ordering}}">
    <p><label for="eid">EID of the device that will use the plan (32 digits)</label>
    <input id="eid" name="eid" required pattern="[0-9]{32}" inputmode="numeric" maxlength="32" size="34" autocomplete="off" aria-describedby="eid-help"></p>
    <p id="eid-help" class="help">The EID never goes on chain: only keccak-256 of the EID and a random salt your browser makes.
    You pay {{price}} by signing one EIP-3009 authorisation in your wallet; the portal sends it and pays the gas.</p>
    <p><button type="submit" id="buy">Buy with my wallet</button></p>
    </form>
    <div id="salt-box" hidden>
    <p>Keep this salt: with the EID it opens the commitment, and the SM-DP+ asks for it before it releases the profile.</p>
    <p><output id="salt"></output></p>
    <p><a id="salt-file" download="openrsp-entitlement.json" href="#">Download the salt file</a></p>
    </div>
    <p id="status" role="status" aria-live="polite"></p>
    <section id="result" hidden aria-labelledby="result-h">
    <h2 id="result-h" tabindex="-1">Purchased</h2>
    <p>Entitlement <output id="token-id"></output>, transaction <output id="tx"></output>.</p>
    {{^ordering}}<p>The operator orders your profile from its SM-DP+ with the entitlement id, the EID and the salt
    (<code>openrsp smdp order create</code>); the order's activation code is what your phone scans.</p>{{/ordering}}
    </section>
    <section id="activation" hidden aria-labelledby="activation-h">
    <h2 id="activation-h">Your eSIM</h2>
    <p><img id="qr" alt="" width="246" height="246"></p>
    <p>Activation code: <output id="activation-code"></output></p>
    <p>On the phone itself: <a id="lpa-link" href="#"></a></p>
    </section>
    </section>
    {{/available}}
    {{^available}}<p role="status">This plan is not on sale (delisted or sold out).</p>{{/available}}
    """

    static let entitlements = """
    <h1>My entitlements</h1>
    {{^owner}}<p>Connect your wallet, then <a id="mine" href="/entitlements" hidden>show its entitlements</a>.</p>{{/owner}}
    {{#owner}}
    <p>Entitlements held by <code id="owner">{{owner}}</code> (the last {{scanned}} purchases scanned).</p>
    {{#none}}<p role="status">None.</p>{{/none}}
    <table>
    <caption>Entitlements</caption>
    <thead><tr><th scope="col">Entitlement</th><th scope="col">Plan</th><th scope="col">State</th><th scope="col">Started</th><th scope="col">Ends</th><th scope="col">Delivered</th></tr></thead>
    <tbody>
    {{#rows}}<tr><th scope="row"><a href="/entitlements/{{id}}">#{{id}}</a></th><td><a href="/plans/{{planId}}">{{planName}}</a></td><td class="state">{{state}}</td><td>{{start}}</td><td>{{end}}</td><td>{{delivered}}</td></tr>{{/rows}}
    </tbody>
    </table>
    {{/owner}}
    """

    static let usage = """
    <h1>Entitlement #{{id}}</h1>
    <dl><dt>Plan</dt><dd><a href="/plans/{{planId}}">#{{planId}}</a></dd><dt>State</dt><dd id="state">{{state}}</dd>
    <dt>Started</dt><dd>{{start}}</dd><dt>Ends</dt><dd>{{end}}</dd>
    <dt>Used</dt><dd id="used">{{used}} of {{allowance}}</dd></dl>
    <h2>Usage over time</h2>
    {{{chart}}}
    <table>
    <caption>Usage batches posted on chain ({{batchCount}})</caption>
    <thead><tr><th scope="col">Posted</th><th scope="col">Data</th><th scope="col">CDRs</th><th scope="col">State</th></tr></thead>
    <tbody>
    {{#batches}}<tr><td>{{postedAt}}</td><td class="bytes">{{bytes}}</td><td>{{cdrs}}</td><td class="batch-state">{{status}}</td></tr>{{/batches}}
    </tbody>
    </table>
    {{#none}}<p role="status">No usage posted yet.</p>{{/none}}
    <section id="actions" aria-labelledby="actions-h" data-entitlement="{{id}}" data-owner="{{owner}}">
    <h2 id="actions-h">Settlement</h2>
    <p>Owner <code id="entitlement-owner">{{owner}}</code>. Refunds: {{refundRule}}.</p>
    <p id="owner-hint" class="help"></p>
    <p class="help">The portal checks each action against the chain and prepares its transaction; your wallet signs and sends it.</p>
    {{#pending}}
    <form id="dispute-form">
    <fieldset><legend>Dispute the pending batch</legend>
    <p class="help" id="dispute-help">If a CDR of the pending batch contradicts it (another entitlement, a sequence out of place, a period
    outside the entitlement, more bytes than the batch, a period after the posting), the batch is voided and not paid.
    Give the operator's proof (<code>openrsp usage prove --json</code>) or the batch's CDR file.</p>
    <p><label for="evidence-kind">Evidence</label>
    <select id="evidence-kind"><option value="proof">a proof (usage prove --json)</option><option value="cdrs">the batch's CDR file, JSON lines</option><option value="cdrs-csv">the batch's CDR file, CSV</option></select></p>
    <p><label for="evidence-file">Choose the file</label>
    <input type="file" id="evidence-file" accept=".json,.jsonl,.ndjson,.csv,application/json,text/csv"></p>
    <p><label for="evidence">or paste it</label><br>
    <textarea id="evidence" rows="6" cols="72" maxlength="1000000" aria-describedby="dispute-help"></textarea></p>
    <p><button type="submit" id="dispute">Dispute with this evidence</button></p>
    </fieldset>
    </form>
    {{/pending}}
    {{#cancellable}}<p><button type="button" id="cancel">Cancel this entitlement</button>
    <span class="help">ends it now; the unused part is refunded when it is closed</span></p>{{/cancellable}}
    {{^closed}}<p><button type="button" id="close">Close and credit the unused escrow</button>
    <span class="help">anyone, after {{closesAfter}} (end plus posting grace) with no batch pending</span></p>{{/closed}}
    {{#closed}}<p id="closed">Closed in UsageSettlement.</p>{{/closed}}
    <p>The owner's credit in UsageSettlement: <output id="credit">{{credit}}</output>
    <button type="button" id="withdraw">Withdraw my credit</button></p>
    <p id="status" role="status" aria-live="polite"></p>
    </section>
    """

    static let error = """
    <h1>{{heading}}</h1>
    <p role="alert">{{message}}</p>
    <p>Request {{requestId}}. <a href="/">Back to the plans</a></p>
    """
}
