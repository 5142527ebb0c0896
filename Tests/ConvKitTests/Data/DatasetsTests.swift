import Foundation
import Testing
@testable import ConvKit

@Suite struct DatasetsTests {
    @Test func unknownNameListsTheValidOnes() {
        let error = expectConvKitError { _ = try Datasets.load("imagenet", split: .train, dataDirectory: "/nonexistent") }
        #expect(error == .invalidArgument(name: "dataset", reason: "unknown dataset 'imagenet'; valid names: cifar10, mnist, shapes"))
    }

    @Test func defaultFolderIsTheEnvironmentVariableElseTheCache() {
        #expect(Datasets.defaultDataDirectory(environment: ["CONVKIT_DATA": "/data/here", "HOME": "/home/u"]) == "/data/here")
        #expect(Datasets.defaultDataDirectory(environment: ["CONVKIT_DATA": "", "HOME": "/home/u"]) == "/home/u/.cache/convkit")
    }

    @Test func shapesSplitsAreFixedSeeds() throws {
        let test = try Datasets.load("shapes", split: .test, dataDirectory: nil)
        #expect(test.count == 2_000)
        #expect(test.name == "shapes test")
        #expect(test.images == (try SyntheticShapes.make(count: 2_000, seed: 2)).images)
    }

    @Test func cifarAndMNISTAreFoundInsideTheFolderOrAsTheFolder() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        try CIFARFixture.writeFolder(in: folder, subfolder: "cifar-10-batches-bin")
        #expect(try Datasets.load("cifar10", split: .test, dataDirectory: folder.path, download: false).count == 3)
        #expect(try Datasets.load("CIFAR10", split: .train, dataDirectory: folder.file("cifar-10-batches-bin"), download: false).count == 10)

        for (name, bytes) in [("train-images-idx3-ubyte", IDXFixture.images(count: 1)), ("train-labels-idx1-ubyte", IDXFixture.labels([3])),
                              ("t10k-images-idx3-ubyte", IDXFixture.images(count: 1)), ("t10k-labels-idx1-ubyte", IDXFixture.labels([4]))] {
            try folder.write(bytes, to: "mnist/" + name)
        }
        #expect(try Datasets.load("mnist", split: .test, dataDirectory: folder.path).labels == [4])
        #expect(try Datasets.load("mnist", split: .train, dataDirectory: folder.file("mnist")).labels == [3])
    }
}
