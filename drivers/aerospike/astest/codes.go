package astest

// Flags, field types, op codes, particle types and result codes of the
// wire protocol (client command.go, server proto.h).
const (
	info1Read      = 0x01
	info1GetAll    = 0x02
	info1Batch     = 0x08
	info1NoBinData = 0x20

	info2Write          = 0x01
	info2Delete         = 0x02
	info2Generation     = 0x04
	info2GenerationGT   = 0x08
	info2CreateOnly     = 0x20
	info2RespondAllOps  = 0x80
	info3UpdateOnly     = 0x08
	info3CreateOrReplac = 0x10
	info3ReplaceOnly    = 0x20

	fieldNamespace = 0
	fieldDigest    = 4

	opRead    = 1
	opWrite   = 2
	opAdd     = 5
	opAppend  = 9
	opPrepend = 10
	opTouch   = 11
	opDelete  = 14

	particleNull    = 0
	particleInteger = 1
	particleFloat   = 2
	particleString  = 3
	particleBlob    = 4

	rcOK                   = 0
	rcKeyNotFound          = 2
	rcGenerationError      = 3
	rcParameterError       = 4
	rcKeyExists            = 5
	rcPartitionUnavailable = 11
	rcBinTypeError         = 12
	rcUnsupportedFeature   = 16
	rcInvalidNamespace     = 20
	rcBinNameTooLong       = 21
)

// The record_ttl values with a special meaning on writes.
const (
	ttlNeverExpire = 0xFFFFFFFF
	ttlDontUpdate  = 0xFFFFFFFE
)
