// The handshake: telling gozeo clients, ZEO clients and ruok probes apart.

package engine

import (
	"github.com/gozeo/gozeo/proto"
)

// handshake handles the client's first frame; false closes the connection.
func (c *conn) handshake(payload []byte) bool {
	kind, version, err := proto.ClassifyClientHandshake(payload)
	switch kind {
	case proto.HandshakeNative:
		if err != nil {
			c.log.Warn("refusing client: protocol version mismatch", "client_version", version, "server_version", proto.Version)
			c.out = proto.AppendHandshakeError(c.out, err)
			return false
		}
		hello, err := proto.DecodeHello(payload)
		if err != nil {
			c.log.Warn("bad handshake", "err", err.Error())
			c.out = proto.AppendHandshakeError(c.out, err)
			return false
		}
		accepted := hello.Features & proto.FeatureCompressedRecords
		c.codec = nativeCodec{}
		c.compressed = accepted&proto.FeatureCompressedRecords != 0
		c.phase = phaseActive
		c.out = proto.AppendServerHello(c.out, proto.ServerHello{
			Version:      proto.Version,
			Features:     accepted,
			MaxFrameSize: c.srv.opts.MaxFrameSize,
		})
		c.log = c.log.With("protocol", "gozeo")
		return true
	case proto.HandshakeZ5, proto.HandshakeM5:
		// A ZEO server encodes in the letter the client sent.
		c.codec = zeoCodecFor(kind == proto.HandshakeM5)
		c.phase = phaseActive
		c.log = c.log.With("protocol", c.codec.(*zeoCodec).name())
		return true
	case proto.HandshakeRuok:
		c.out = c.srv.appendRuok(c.out)
		return false
	}
	msg := "unrecognised handshake"
	if err != nil {
		msg = err.Error()
	}
	c.srv.stats.refusedFrames.Add(1)
	c.log.Warn("bad handshake: closing connection", "err", msg, "length", len(payload))
	return false
}
