import Foundation
import KlaxonCore
import KlaxonTestSupport

@testable import KlaxonEngine

/// A test that drives a `Responder` as a caller's loop does, on its fixed clock.
protocol ResponderPassing {
    var clock: FixedClock { get }
}

extension ResponderPassing {
    /// Passes, waiting in `poll` on the responder's descriptors between passes as a caller's loop does,
    /// until an event satisfies `wanted`; returns every event of those passes. The limit (real seconds)
    /// bounds the wait for another thread (a delivery, the poller); nothing is measured.
    func passes(_ responder: Responder, limit: Double = 20, until wanted: (ResponderEvent) -> Bool) -> [ResponderEvent]
    {
        let deadline = Date().addingTimeInterval(limit)
        var events: [ResponderEvent] = []
        while Date() < deadline {
            var descriptors = responder.descriptors.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            _ = poll(&descriptors, nfds_t(descriptors.count), 100)
            let new = responder.pass(now: clock.now)
            events += new
            if new.contains(where: wanted) { break }
        }
        return events
    }

    static func isPageFinished(_ event: ResponderEvent) -> Bool {
        if case .pageFinished = event { true } else { false }
    }
}
