// The timing loop every benchmark executable here uses: plain ContinuousClock, no framework.

/// `duration` in seconds.
public func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

/// Calls `body` once to warm up, then repeatedly until at least `budget` has passed; returns the timed
/// seconds and the number of timed calls.
public func timeRepeatedly(for budget: Duration, _ body: () throws -> Void) rethrows -> (seconds: Double, calls: Int) {
    let clock = ContinuousClock()
    try body()
    var calls = 0
    let start = clock.now
    var elapsed = Duration.zero
    while elapsed < budget {
        try body()
        calls += 1
        elapsed = clock.now - start
    }
    return (seconds(elapsed), calls)
}
