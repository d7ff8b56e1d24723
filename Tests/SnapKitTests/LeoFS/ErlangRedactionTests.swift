import SnapKit
import Testing

@Suite struct ErlangRedactionTests {
    @Test(arguments: [
        (
            "{aborted,{bad_type,{leo_s3_credentials,<<\"05236\">>,<<\"802562235\">>,1795964006,extra}}}",
            "{aborted,{bad_type,{leo_s3_credentials,<<…>>,<<…>>,1795964006,extra}}}"
        ),
        ("<<1,2,255>> and <<>>", "<<…>> and <<…>>"),
        ("<<\"a>>b\\\"c>>\">>,x", "<<…>>,x"),
        ("cut off: <<\"18630dcf791b", "cut off: <<…"),
        ("no binaries: {atomic,ok}", "no binaries: {atomic,ok}"),
    ])
    func binariesAreHidden(text: String, expected: String) {
        #expect(ErlangRedaction.redactingBinaries(text) == expected)
    }

    @Test func aFailedLoadDoesNotShowTheSecretItPrinted() {
        let output =
            "** Table leo_s3_credentials already exists on 'm0@127.0.0.1', just entering data\n"
            + "{aborted,\n    {bad_type,\n        {leo_s3_credentials,<<\"05236\">>,<<\"802562235\">>,1795964006,extra}}}\n"
        let error = LeoFSError.controlFailed(node: "manager_0", step: "load-mnesia-data", status: 1, output: output)
        #expect(!error.description.contains("802562235"))
        #expect(error.description.contains("bad_type"))
    }
}
