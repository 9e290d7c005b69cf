import EUICC
import Foundation
import RSPASN1

extension SoftEUICC {
    // MARK: Lookup

    func profileIndex(_ id: ProfileIdentifier) -> Int? {
        switch id {
        case let .isdpAid(aid): state.profiles.firstIndex { Array($0.isdpAid) == aid }
        case let .iccid(iccid): state.profiles.firstIndex { $0.iccid == iccid.digits }
        }
    }

    // MARK: ES10c

    /// ES10c.EnableProfile: the target must be disabled; the currently enabled profile (if any) is
    /// disabled in the same commit. Notifications per each profile's notificationConfigurationInfo.
    func enableProfile(_ request: EnableProfileRequest) throws -> EnableProfileResponse {
        guard let index = profileIndex(request.profileIdentifier) else { return EnableProfileResponse(result: .iccidOrAidNotFound) }
        guard state.profiles[index].state == ProfileState.disabled.rawValue else {
            return EnableProfileResponse(result: .profileNotInDisabledState)
        }
        var next = state
        if let enabled = next.profiles.firstIndex(where: { $0.state == ProfileState.enabled.rawValue }) {
            next.profiles[enabled].state = ProfileState.disabled.rawValue
            try addNotification(.disable, for: next.profiles[enabled], to: &next)
        }
        next.profiles[index].state = ProfileState.enabled.rawValue
        try addNotification(.enable, for: next.profiles[index], to: &next)
        return EnableProfileResponse(result: commit(next) ? .ok : .undefinedError)
    }

    /// ES10c.DisableProfile: the target must be enabled.
    func disableProfile(_ request: DisableProfileRequest) throws -> DisableProfileResponse {
        guard let index = profileIndex(request.profileIdentifier) else { return DisableProfileResponse(result: .iccidOrAidNotFound) }
        guard state.profiles[index].state == ProfileState.enabled.rawValue else {
            return DisableProfileResponse(result: .profileNotInEnabledState)
        }
        var next = state
        next.profiles[index].state = ProfileState.disabled.rawValue
        try addNotification(.disable, for: next.profiles[index], to: &next)
        return DisableProfileResponse(result: commit(next) ? .ok : .undefinedError)
    }

    /// ES10c.DeleteProfile: only a disabled profile can be deleted.
    func deleteProfile(_ request: DeleteProfileRequest) throws -> DeleteProfileResponse {
        guard let index = profileIndex(request.profileIdentifier) else { return DeleteProfileResponse(result: .iccidOrAidNotFound) }
        guard state.profiles[index].state == ProfileState.disabled.rawValue else {
            return DeleteProfileResponse(result: .profileNotInDisabledState)
        }
        var next = state
        let removed = next.profiles.remove(at: index)
        try addNotification(.delete, for: removed, to: &next)
        return DeleteProfileResponse(result: commit(next) ? .ok : .undefinedError)
    }

    /// ES10c.SetNickname.
    func setNickname(_ request: SetNicknameRequest) -> SetNicknameResponse {
        guard let index = profileIndex(.iccid(request.iccid)) else { return SetNicknameResponse(result: .iccidNotFound) }
        var next = state
        next.profiles[index].nickname = request.profileNickname.isEmpty ? nil : request.profileNickname
        return SetNicknameResponse(result: commit(next) ? .ok : .undefinedError)
    }

    /// ES10c.eUICCMemoryReset: deletes operational and/or field-loaded test profiles and/or resets
    /// the default SM-DP+ address. No notifications are generated; pending ones for deleted profiles go too.
    func memoryReset(_ request: EuiccMemoryResetRequest) -> EuiccMemoryResetResponse {
        let options = request.resetOptions
        var next = state
        var changed = false
        let deleteOperational = options.contains(EuiccMemoryResetRequest.deleteOperationalProfiles)
        let deleteTest = options.contains(EuiccMemoryResetRequest.deleteFieldLoadedTestProfiles)
        if deleteOperational || deleteTest {
            let before = next.profiles.count
            next.profiles.removeAll { profile in
                let profileClass = (try? profile.metadata().profileClass) ?? .operational
                return (deleteOperational && profileClass == .operational) || (deleteTest && profileClass == .test)
            }
            if next.profiles.count != before {
                changed = true
                let remaining = Set(next.profiles.map(\.iccid))
                next.notifications.removeAll { record in
                    guard let iccid = notificationICCID(record) else { return false }
                    return !remaining.contains(iccid)
                }
            }
        }
        if options.contains(EuiccMemoryResetRequest.resetDefaultSmdpAddress), next.defaultDpAddress != configuration.initialDefaultDpAddress {
            next.defaultDpAddress = configuration.initialDefaultDpAddress
            changed = true
        }
        guard changed else { return EuiccMemoryResetResponse(result: .nothingToDelete) }
        return EuiccMemoryResetResponse(result: commit(next) ? .ok : .undefinedError)
    }

    /// ES10c.GetProfilesInfo: filtered by the search criterion; fields limited to `tagList` if given.
    func getProfilesInfo(_ request: ProfileInfoListRequest) -> ProfileInfoListResponse {
        var result: [ProfileInfo] = []
        for profile in state.profiles {
            guard let metadata = try? profile.metadata(), let iccid = try? profile.iccidValue() else {
                return .error(.undefinedError)
            }
            switch request.searchCriteria {
            case let .isdpAid(aid)?: if Array(profile.isdpAid) != aid { continue }
            case let .iccid(wanted)?: if wanted != iccid { continue }
            case let .profileClass(profileClass)?: if metadata.profileClass != profileClass { continue }
            case nil: break
            }
            let wanted = request.tagList.map(ProfileInfoTags.split) ?? nil
            func include(_ tag: [UInt8]) -> Bool { wanted?.contains(tag) ?? true }
            result.append(ProfileInfo(
                iccid: include([0x5A]) ? iccid : nil,
                isdpAid: include([0x4F]) ? Array(profile.isdpAid) : nil,
                profileState: include([0x9F, 0x70]) ? ProfileState(rawValue: profile.state) : nil,
                profileNickname: include([0x90]) ? profile.nickname : nil,
                serviceProviderName: include([0x91]) ? metadata.serviceProviderName : nil,
                profileName: include([0x92]) ? metadata.profileName : nil,
                iconType: include([0x93]) ? metadata.iconType : nil,
                icon: include([0x94]) ? metadata.icon : nil,
                profileClass: include([0x95]) ? metadata.profileClass : nil,
                notificationConfigurationInfo: include([0xB6]) ? metadata.notificationConfigurationInfo : nil,
                profileOwner: include([0xB7]) ? metadata.profileOwner : nil,
                profilePolicyRules: include([0x99]) ? metadata.profilePolicyRules : nil
            ))
        }
        return .ok(result)
    }

    // MARK: Notifications

    /// Appends a signed OtherSignedNotification for `event` if the profile's metadata asks for it.
    func addNotification(_ event: NotificationEvent, for profile: InstalledProfile, to next: inout EUICCPersistentState) throws {
        let metadata = try profile.metadata()
        guard let config = metadata.notificationConfigurationInfo?.first(where: { $0.profileManagementOperation.contains(event) }) else {
            return
        }
        let seq = next.nextSequenceNumber
        next.nextSequenceNumber += 1
        let tbs = try NotificationMetadata(seqNumber: seq, profileManagementOperation: event,
                                           notificationAddress: config.notificationAddress, iccid: try profile.iccidValue())
        let signature = try sign(tbs.rawDER)
        let notification = try OtherSignedNotification(tbsOtherNotification: tbs, euiccNotificationSignature: signature,
                                                       euiccCertificate: identity.certificateDER, eumCertificate: identity.eumCertificateDER)
        let der = try PendingNotification.otherSignedNotification(notification).derEncoded()
        next.notifications.append(StoredNotification(seqNumber: seq, event: event.rawValue, pendingNotification: Data(der)))
    }

    func notificationICCID(_ record: StoredNotification) -> String? {
        (try? PendingNotification(der: Array(record.pendingNotification)))?.notificationMetadata.iccid?.digits
    }

    /// ES10b.ListNotification.
    func listNotification(_ request: ListNotificationRequest) -> ListNotificationResponse {
        var list: [NotificationMetadata] = []
        for record in state.notifications {
            if let filter = request.profileManagementOperation, filter.rawValue & record.event == 0 { continue }
            guard let pending = try? PendingNotification(der: Array(record.pendingNotification)) else { return .error(.undefinedError) }
            list.append(pending.notificationMetadata)
        }
        return .notificationMetadataList(list)
    }

    /// ES10b.RetrieveNotificationsList.
    func retrieveNotificationsList(_ request: RetrieveNotificationsListRequest) -> RetrieveNotificationsListResponse {
        var list: [PendingNotification] = []
        for record in state.notifications {
            switch request.searchCriteria {
            case let .seqNumber(seq)?: if record.seqNumber != seq { continue }
            case let .profileManagementOperation(event)?: if event.rawValue & record.event == 0 { continue }
            case nil: break
            }
            guard let pending = try? PendingNotification(der: Array(record.pendingNotification)) else { return .error(.undefinedError) }
            list.append(pending)
        }
        return .notificationList(list)
    }

    /// ES10b.RemoveNotificationFromList.
    func notificationSent(_ request: NotificationSentRequest) -> NotificationSentResponse {
        guard let index = state.notifications.firstIndex(where: { $0.seqNumber == request.seqNumber }) else {
            return NotificationSentResponse(result: .nothingToDelete)
        }
        var next = state
        next.notifications.remove(at: index)
        return NotificationSentResponse(result: commit(next) ? .ok : .undefinedError)
    }
}

/// The ProfileInfo tags a tagList (`5C`) can name.
enum ProfileInfoTags {
    /// Splits a tag list into tags (one- or two-byte tags).
    static func split(_ list: [UInt8]) -> [[UInt8]]? {
        var tags: [[UInt8]] = []
        var index = 0
        while index < list.count {
            if list[index] & 0x1F == 0x1F {
                guard index + 1 < list.count else { return nil }
                tags.append([list[index], list[index + 1]])
                index += 2
            } else {
                tags.append([list[index]])
                index += 1
            }
        }
        return tags
    }
}
