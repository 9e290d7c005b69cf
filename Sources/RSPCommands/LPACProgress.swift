import LPA

// lpac's JSON, in full: with --json, `profile download` and `notification process` print one
// `{"type":"progress",...}` line per step with lpac's step names, then the final `{"type":"lpa",...}`
// envelope; on failure that envelope's `message` is the failing step and `data` the detail, as lpac's
// `jprint_error(function_name, detail)` does (estkme-group/lpac src/applet/profile/download.c,
// src/applet/notification/process.c).

extension DownloadStep {
    /// lpac's name of the step; nil for a step lpac folds into the previous one (it reads the eUICC
    /// challenge and EUICCInfo1 in one step). OpenRSP's chain/CI trust check has no lpac equivalent.
    var lpacProgressName: String? {
        switch self {
        case .getEUICCChallenge: "es10b_get_euicc_challenge_and_info"
        case .getEUICCInfo1: nil
        case .initiateAuthentication: "es9p_initiate_authentication"
        case .checkSMDPTrust: "openrsp_check_smdp_trust"
        case .authenticateServer: "es10b_authenticate_server"
        case .authenticateClient: "es9p_authenticate_client"
        case .prepareDownload: "es10b_prepare_download"
        case .getBoundProfilePackage: "es9p_get_bound_profile_package"
        case .loadBoundProfilePackage: "es10b_load_bound_profile_package"
        case .sendInstallNotification: "es9p_handle_notification"
        case .removeInstallNotification: "es10b_remove_notification_from_list"
        case .cancelSession: "es10b_cancel_session"
        case .cancelServerSession: "es9p_cancel_session"
        }
    }

    /// The name a failure at this step is reported under.
    var lpacErrorName: String { lpacProgressName ?? DownloadStep.getEUICCChallenge.lpacProgressName ?? rawValue }
}

extension NotificationStep {
    var lpacName: String {
        switch self {
        case .retrieveNotificationsList: "es10b_retrieve_notifications_list"
        case .handleNotification: "es9p_handle_notification"
        case .removeNotificationFromList: "es10b_remove_notification_from_list"
        }
    }
}

extension ProfileDownloadCommandError {
    enum Kind: Int, CLIErrorKind {
        case downloadFailed = 26

        var meaning: String { "profile download failed at a step (JSON: message is lpac's step name, data the detail)" }
    }

    static var codes: [CLIErrorCode] { KindedCodes<Kind>.codes(of: Self.self) }
    var envelopeMessage: String { failure.step.lpacErrorName }
    var envelopeData: String? { description }
}

/// `notification process` could not list, send or remove a notification.
struct NotificationProcessCommandError: KindedCommandError {
    enum Kind: Int, CLIErrorKind {
        case listFailed = 27, sendFailed, removeFailed

        var meaning: String {
            switch self {
            case .listFailed: "notification process: the eUICC's notification list cannot be read"
            case .sendFailed: "notification process: a notification was not acknowledged by its SM-DP+ (it stays on the eUICC)"
            case .removeFailed: "notification process: a delivered notification could not be removed from the eUICC"
            }
        }
    }

    let kind: Kind
    let detail: String

    var description: String { detail }
    /// The lpac step that failed.
    var envelopeMessage: String {
        switch kind {
        case .listFailed: NotificationStep.retrieveNotificationsList.lpacName
        case .sendFailed: NotificationStep.handleNotification(seqNumber: 0).lpacName
        case .removeFailed: NotificationStep.removeNotificationFromList(seqNumber: 0).lpacName
        }
    }
    var envelopeData: String? { detail }
}

/// `codes` for a type whose only kinds are `Kind` but whose `code` is declared elsewhere.
enum KindedCodes<Kind: CLIErrorKind> {
    static func codes(of type: Any.Type) -> [CLIErrorCode] {
        Kind.allCases.map { CLIErrorCode(code: $0.rawValue, name: "\(type).\($0)", meaning: $0.meaning) }
    }
}
