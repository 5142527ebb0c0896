/// A layer whose weights connect its input channels to its output channels in `groups` groups
/// (``Conv2d``, ``ConvTranspose2d``): what rewrites that change channel counts (`width=F`) need to
/// know of it, whatever its spatial rule.
public protocol ChannelMixing: LeafLayer {
    /// Input channels C when given (checked against the input), nil when inferred.
    var inChannels: Int? { get set }
    /// Output channels.
    var outChannels: Int { get set }
    /// Channel groups: C and the output channels are split evenly between them.
    var groups: Int { get set }
}

extension Conv2d: ChannelMixing {}
extension ConvTranspose2d: ChannelMixing {}
