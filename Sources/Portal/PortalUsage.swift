// GET /entitlements/{id}: an entitlement's usage as posted on chain (UsageSettlement's BatchPosted,
// BatchSettled, BatchVoided logs), as a table and an SVG chart of cumulative use against the allowance.
import EthereumCore
import Foundation
import Hummingbird
import Settlement
import SMDPServer

struct PortalUsage: Sendable {
    let state: PortalState

    struct Batch {
        let postedAt: UInt64
        let totalBytes: UInt64
        let firstSeq: UInt64
        let lastSeq: UInt64
        let status: String
    }

    func register(on router: Router<SMDPRequestContext>) {
        router.get("/entitlements/:id") { _, context in
            await PortalApplication.page(state, context, title: "Usage", template: "usage") { try await usage(context) }
        }
    }

    func usage(_ context: SMDPRequestContext) async throws -> [String: Any] {
        let id = try PortalPages.id(context, "entitlement")
        let plans = state.configuration.plans
        var batches: [Batch] = []
        let entitlement: PlanEntitlements.Entitlement
        let plan: PlanEntitlements.Plan?
        let settlement: Contract<UsageSettlement>
        let ledger: UsageSettlement.Ledger
        let credit: UInt256
        let closesAfter: UInt256
        do {
            entitlement = try await plans.call(PlanEntitlements.entitlement(tokenId: id))
            guard entitlement.owner != .zero else { throw PortalError(.notFound, "No such entitlement.") }
            plan = try await plans.call(PlanEntitlements.plans(planId: entitlement.planId))
            settlement = plans.chain.contract(UsageSettlement.self, at: try await plans.call(PlanEntitlements.settlement()))
            ledger = try await settlement.currentLedger(entitlementId: id)
            credit = try await settlement.call(UsageSettlement.owed(entitlement.owner))
            let grace = try await settlement.call(UsageSettlement.POSTING_GRACE())
            closesAfter = try entitlement.end + grace
            // All logs of the contract, filtered here: fine for a devnet or a young deployment; a large one
            // would filter by the indexed entitlement id (topic 2) at the node.
            let settled = Set(try await settlement.logs(UsageSettlement.BatchSettled.self).map(\.event).filter { $0.entitlementId == id }.map(\.batchId))
            let voided = Set(try await settlement.logs(UsageSettlement.BatchVoided.self).map(\.event).filter { $0.entitlementId == id }.map(\.batchId))
            for posted in try await settlement.logs(UsageSettlement.BatchPosted.self).map(\.event) where posted.entitlementId == id {
                let status = voided.contains(posted.batchId) ? "voided (disputed)" : settled.contains(posted.batchId) ? "settled" : "pending"
                batches.append(Batch(postedAt: posted.postedAt, totalBytes: posted.totalBytes, firstSeq: posted.firstSeq,
                                     lastSeq: posted.lastSeq, status: status))
            }
        } catch let error as PortalError { throw error } catch {
            throw PortalError(.chainUnavailable, "The chain does not answer; try again shortly.", detail: "\(error)")
        }
        let allowance = plan.flatMap { UInt64($0.dataMB.description) }.map { $0 * 1_000_000 } ?? 0
        let counted = batches.filter { $0.status != "voided (disputed)" }
        let used = counted.reduce(UInt64(0)) { $0 + $1.totalBytes }
        let pending = batches.contains { $0.status == "pending" }
        return [
            "id": id.description, "planId": entitlement.planId.description, "state": PortalPages.state(entitlement.status),
            "owner": entitlement.owner.checksummed, "credit": state.price(credit),
            "refundRule": plan.map { PortalFormat.refundRule($0.refundRule) } ?? "unknown",
            "cancellable": plan?.refundRule == .atExpiryOrCancel && entitlement.status == .active,
            "closed": ledger.closed, "closesAfter": PortalFormat.time(closesAfter), "pending": pending,
            "start": PortalFormat.time(entitlement.start), "end": PortalFormat.time(entitlement.end),
            "used": Self.megabytes(used), "allowance": Self.megabytes(allowance), "batchCount": batches.count,
            "none": batches.isEmpty,
            "batches": batches.map { b in
                ["postedAt": PortalFormat.time(UInt256(b.postedAt)), "bytes": Self.megabytes(b.totalBytes),
                 "cdrs": "\(b.firstSeq)–\(b.lastSeq)", "status": b.status]
            },
            "chart": Self.chart(counted, start: UInt64(entitlement.start.description) ?? 0,
                                end: UInt64(entitlement.end.description) ?? 0, allowance: allowance),
        ]
    }

    static func megabytes(_ bytes: UInt64) -> String {
        String(format: "%.2f MB", Double(bytes) / 1_000_000)
    }

    /// Cumulative bytes over time from the entitlement's start, as an SVG step line. The time axis ends at the
    /// entitlement's end, or (while little of it has passed) a quarter past the last batch; the data axis is
    /// the allowance, or (while far below it) a quarter above the use, with the allowance said in the title.
    static func chart(_ batches: [Batch], start: UInt64, end: UInt64, allowance: UInt64) -> String {
        let width = 600.0, height = 200.0, pad = 30.0
        let last = max(batches.map(\.postedAt).max() ?? start, start + 1)
        let recent = last - start < (end > start ? (end - start) / 4 : 0)
        let axisEnd = recent ? last + max((last - start) / 4, 1) : max(end, last)
        let span = Double(axisEnd - start)
        let total = batches.reduce(UInt64(0)) { $0 + $1.totalBytes }
        let zoomed = total > 0 && allowance > 4 * total
        let top = Double(max(zoomed ? total + total / 4 : allowance, 1))
        func x(_ t: UInt64) -> Double { pad + (Double(t > start ? t - start : 0) / span) * (width - 2 * pad) }
        func y(_ b: UInt64) -> Double { height - pad - (Double(b) / top) * (height - 2 * pad) }
        var points = [String(format: "%.1f,%.1f", x(start), y(0))]
        var sum: UInt64 = 0
        for batch in batches.sorted(by: { $0.postedAt < $1.postedAt }) {
            points.append(String(format: "%.1f,%.1f", x(batch.postedAt), y(sum)))
            sum += batch.totalBytes
            points.append(String(format: "%.1f,%.1f", x(batch.postedAt), y(sum)))
        }
        let description = "Cumulative data used: \(megabytes(sum)) of \(megabytes(allowance))"
            + (zoomed ? " (the allowance is far above this chart's top, \(megabytes(UInt64(top))))." : ".")
        let allowanceLine = zoomed ? "" : """
            <line x1="\(pad)" y1="\(y(allowance))" x2="\(width - pad)" y2="\(y(allowance))" stroke="#a00" stroke-dasharray="4 3"/>\
            <text x="\(pad + 4)" y="\(y(allowance) - 4)" font-size="11" fill="#a00">allowance \(megabytes(allowance))</text>
            """
        return """
        <svg id="usage-chart" role="img" aria-labelledby="usage-chart-title" viewBox="0 0 \(Int(width)) \(Int(height))" width="\(Int(width))" height="\(Int(height))">\
        <title id="usage-chart-title">\(description)</title>\
        <rect x="\(pad)" y="\(pad)" width="\(width - 2 * pad)" height="\(height - 2 * pad)" fill="#f3f5f8" stroke="#889"/>\
        \(allowanceLine)\
        <text x="\(pad + 4)" y="\(pad + 12)" font-size="11">\(megabytes(UInt64(top)))</text>\
        <polyline points="\(points.joined(separator: " "))" fill="none" stroke="#124" stroke-width="3"/>\
        <text x="\(pad)" y="\(height - 8)" font-size="11">\(PortalFormat.time(UInt256(start)))</text>\
        <text x="\(width - pad - 130)" y="\(height - 8)" font-size="11">\(PortalFormat.time(UInt256(axisEnd)))</text>\
        </svg>
        """
    }
}
