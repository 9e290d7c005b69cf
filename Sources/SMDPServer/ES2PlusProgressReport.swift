import ES2PlusAPI
import ES9PlusAPI
import Foundation
import SMDPCore

extension ES2PlusHandleDownloadProgressInfoRequest {
    /// The report for a queued transition. `requesterId` is the SM-DP+'s own identifier (it calls the operator).
    public init(_ pending: PendingDownloadProgress, requesterId: String) {
        let report = pending.report
        let status: ES9PlusFunctionExecutionStatus
        switch report.outcome {
        case .success:
            status = ES9PlusFunctionExecutionStatus(status: .executedSuccess)
        case .failure:
            let code = ES2PlusStatus.profileDownloadFailed
            status = ES9PlusFunctionExecutionStatus(status: .failed, statusCodeData: ES9PlusStatusCodeData(
                subjectCode: code.subjectCode, reasonCode: code.reasonCode, message: report.message))
        }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        self.init(header: ES2PlusRequestHeader(functionRequesterIdentifier: requesterId, functionCallIdentifier: "progress-\(pending.id)"),
                  eid: pending.eid?.digits, iccid: pending.iccid.digits, profileType: pending.profileType ?? "",
                  timestamp: formatter.string(from: pending.occurredAt), notificationPointId: report.notificationPointId,
                  notificationPointStatus: status, profileState: pending.to.rawValue)
    }
}
