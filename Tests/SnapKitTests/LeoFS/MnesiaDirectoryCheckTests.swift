import Testing

@testable import SnapKit

@Suite struct MnesiaDirectoryCheckTests {
    @Test(arguments: [
        ([String](), MnesiaDirectoryCheck.Missing(schema: true, tableFiles: true)),
        (["schema.DAT"], MnesiaDirectoryCheck.Missing(schema: false, tableFiles: true)),
        (["schema.DAT", "LATEST.LOG", "DECISION_TAB.LOG", "PREVIOUS.LOG"], .init(schema: false, tableFiles: true)),
        (["leo_s3_users.DCD"], .init(schema: true, tableFiles: false)),
        (["schema.dat", "leo_s3_users.dcd"], .init(schema: true, tableFiles: true)),
        (["schema.DAT.TMP", "x.DCD"], .init(schema: true, tableFiles: false)),
    ])
    func whatIsMissing(names: [String], missing: MnesiaDirectoryCheck.Missing) {
        #expect(MnesiaDirectoryCheck.missing(in: names) == missing)
    }

    @Test(arguments: [
        ["schema.DAT", "leo_s3_users.DCD"],
        ["schema.DAT", "leo_ring_cur.DCL"],
        ["schema.DAT", "sv_metric_grp.DAT", "LATEST.LOG"],
    ])
    func aSchemaAndOneTableFileAreEnough(names: [String]) {
        #expect(MnesiaDirectoryCheck.missing(in: names) == nil)
    }
}
