// Package model holds the CloudWatch Logs service model (operations, shapes
// and their constraints) as Go tables generated from the botocore JSON model,
// and validates decoded requests against it exactly as AWS does.
//
// The tables live in zz_generated.go; regenerate them with `go generate`
// (the generator reads ../shared/reference/cloudwatch-logs-api/service-2.json
// relative to the repository root).
package model

//go:generate go run ./internal/gen -model ../../../../shared/reference/cloudwatch-logs-api/service-2.json -out zz_generated.go

// Kind is a shape's wire type.
type Kind uint8

// Shape kinds, as named by the model.
const (
	KindString Kind = iota + 1
	KindInteger
	KindLong
	KindBoolean
	KindDouble
	KindBlob
	KindStructure
	KindList
	KindMap
)

// ShapeID indexes Shapes. The zero value means "no shape".
type ShapeID uint16

// Shape is one named shape of the model with the constraints AWS enforces.
type Shape struct {
	Name    string
	Kind    Kind
	HasMin  bool
	Min     int64 // length for strings, count for lists and maps, value for numbers
	HasMax  bool
	Max     int64
	Pattern string   // regular expression a string must match (whole value)
	Enum    []string // allowed values of a string
	Members []Member // structure members in model order
	Elem    ShapeID  // list member
	Key     ShapeID  // map key
	Value   ShapeID  // map value
	Union   bool     // exactly one member may be set
	Error   bool     // an exception shape
}

// Member is one member of a structure.
type Member struct {
	Name     string
	Shape    ShapeID
	Required bool
}

// Operation is one API operation.
type Operation struct {
	Name       string
	Input      ShapeID
	Output     ShapeID
	Errors     []string
	Deprecated bool
	HostPrefix string
}

// Lookup returns the operation with the given name.
func Lookup(name string) (*Operation, bool) {
	op, ok := operationIndex[name]
	return op, ok
}

// Operations returns every operation of the model, in name order.
func Operations() []*Operation {
	out := make([]*Operation, len(operations))
	for i := range operations {
		out[i] = &operations[i]
	}
	return out
}

// ShapeOf returns the shape with the given id.
func ShapeOf(id ShapeID) *Shape { return &shapes[id] }

var operationIndex = func() map[string]*Operation {
	m := make(map[string]*Operation, len(operations))
	for i := range operations {
		m[operations[i].Name] = &operations[i]
	}
	return m
}()

// ValidationErrorType returns the exception type AWS uses for input that
// fails the model's constraints for op: the older operations declare
// InvalidParameterException, the newer ones ValidationException.
func (op *Operation) ValidationErrorType() string {
	if op.HasError("InvalidParameterException") {
		return "InvalidParameterException"
	}
	if op.HasError("ValidationException") {
		return "ValidationException"
	}
	return "InvalidParameterException"
}

// HasError reports whether the model lists the exception for op.
func (op *Operation) HasError(name string) bool {
	for _, e := range op.Errors {
		if e == name {
			return true
		}
	}
	return false
}
