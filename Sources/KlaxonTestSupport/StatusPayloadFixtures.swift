/// Vendor payloads made to measure, for the tests and klaxon-bench.
public enum StatusPayloadFixtures {
    /// A Prometheus `/api/v1/alerts` answer with `count` firing alerts of distinct names (`A00000`, …),
    /// about 50 bytes each: 15,400 of them stay under the prober's 1 MiB cap.
    public static func prometheusAlerts(_ count: Int) -> String {
        let alerts = (0..<count).map { i in
            let name = String(i)
            return #"{"labels":{"alertname":"A"# + String(repeating: "0", count: max(0, 5 - name.count)) + name
                + #""},"state":"firing"}"#
        }
        return #"{"status":"success","data":{"alerts":["# + alerts.joined(separator: ",") + "]}}"
    }
}
