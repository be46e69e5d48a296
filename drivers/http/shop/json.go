package shop

import (
	"encoding/json"
	"errors"
	"strconv"
	"unicode/utf8"
)

// Responses are appended by hand rather than through encoding/json: they
// are small and fixed in shape, and the handlers should cost next to
// nothing beside the model. appendString is checked against encoding/json
// by FuzzAppendString.

// appendError appends {"error":msg}.
func appendError(b []byte, msg string) []byte {
	b = append(b, `{"error":`...)
	return append(appendString(b, msg), '}')
}

// appendField appends "name": — name must need no escaping.
func appendField(b []byte, name string) []byte {
	b = append(b, '"')
	b = append(b, name...)
	return append(b, '"', ':')
}

// appendInt appends "name":v.
func appendInt(b []byte, name string, v int64) []byte {
	return strconv.AppendInt(appendField(b, name), v, 10)
}

const hex = "0123456789abcdef"

// appendString appends s as a JSON string exactly as encoding/json
// writes it with HTML escaping off: invalid UTF-8 bytes become U+FFFD,
// and U+2028 and U+2029 are escaped.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// The request bodies.
type (
	// itemBody is POST /api/cart/{cart_id}/items.
	itemBody struct {
		ProductID *int64 `json:"product_id"`
		Qty       *int64 `json:"qty"`
	}
	// checkoutBody is POST /api/checkout.
	checkoutBody struct {
		CartID *string `json:"cart_id"`
	}
)

// Limits on what a cart holds.
const (
	maxQty   = 100 // of a product, per request
	maxLines = 100 // distinct products in a cart
)

// Errors of the body parsers; their text is the 400 answer's.
var (
	errBadJSON    = errors.New("body is not the expected json")
	errNoProduct  = errors.New("no such product")
	errBadQty     = errors.New("qty must be 1 to 100")
	errNoCartID   = errors.New("missing cart_id")
	errBadProduct = errors.New("missing product_id")
)

// parseItem reads the body of an add-to-cart: a product id below products
// and a quantity of 1 to maxQty, 1 when left out.
func parseItem(body []byte, products int) (item, error) {
	var in itemBody
	if err := json.Unmarshal(body, &in); err != nil {
		return item{}, errBadJSON
	}
	if in.ProductID == nil {
		return item{}, errBadProduct
	}
	it := item{product: *in.ProductID, qty: 1}
	if it.product < 0 || it.product >= int64(products) {
		return item{}, errNoProduct
	}
	if in.Qty != nil {
		it.qty = *in.Qty
	}
	if it.qty < 1 || it.qty > maxQty {
		return item{}, errBadQty
	}
	return it, nil
}

// parseCheckout reads the body of a checkout: a cart id.
func parseCheckout(body []byte) (string, error) {
	var in checkoutBody
	if err := json.Unmarshal(body, &in); err != nil {
		return "", errBadJSON
	}
	if in.CartID == nil || *in.CartID == "" {
		return "", errNoCartID
	}
	return *in.CartID, nil
}
