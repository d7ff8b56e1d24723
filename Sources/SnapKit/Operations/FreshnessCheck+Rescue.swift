extension FreshnessCheck {
    /// One `OK` line for the store per rescue folder a finished restore left behind, so the
    /// operator learns where those files are (they are not a freshness problem).
    static func rescueLines(_ rescues: [(id: String, path: String)]) -> [NodeResult] {
        rescues.map { rescue in
            NodeResult(
                node: "store", state: .ok, newest: nil, newestAgeSeconds: nil, newestVerified: nil,
                message: "restore \(rescue.id) is over but its rescued files remain in \(rescue.path)")
        }
    }
}
