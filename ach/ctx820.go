package ach

import (
	"strconv"
	"strings"

	"github.com/iwoproject/iwo/withholding"
)

// Envelope is the X12 820 carried by the addenda of one CTX entry.
type Envelope struct {
	ElementSeparator  byte
	SegmentTerminator byte
	// BPRAmount is BPR02, the payment total; HasBPR is false when no BPR
	// segment was found or its amount was unreadable.
	BPRAmount withholding.Cents
	HasBPR    bool
	// DEDs are the DED segments between ST and SE, in order, wherever they
	// sit in the loop structure.
	DEDs []DED
	// Problems concern the envelope as a whole (control numbers, counts,
	// totals); they apply to every DED in it. Warnings likewise.
	Problems []string
	Warnings []string
}

// isaLength is the fixed length of the ISA segment including its terminator.
const isaLength = 106

// ParseCTX parses the reassembled payment related information of a CTX
// entry (its addenda 05 texts concatenated in sequence order) and checks it
// against the entry amount: BPR02 and the sum of DED04 must both equal it.
func ParseCTX(text string, entryAmount withholding.Cents, p Profile) Envelope {
	var env Envelope
	env.ElementSeparator, env.SegmentTerminator = '*', '\\'
	body := trimRight(text)
	var isaControl string
	if len(body) >= isaLength && body[:3] == "ISA" {
		env.ElementSeparator = body[3]
		env.SegmentTerminator = body[isaLength-1]
		var buf [17]string
		isa, _ := splitElements(body[:isaLength-1], env.ElementSeparator, buf[:0])
		if len(isa) != 17 {
			env.Problems = append(env.Problems, "ISA: "+strconv.Itoa(len(isa)-1)+" elements, want 16")
		} else {
			isaControl = isa[13]
		}
		body = body[isaLength:]
	} else {
		msg := "ISA: no interchange header; assuming * and \\ delimiters"
		if p.Strict {
			env.Problems = append(env.Problems, msg)
		} else {
			env.Warnings = append(env.Warnings, msg)
		}
		if p.SlashTerminator && strings.IndexByte(body, '\\') < 0 {
			env.SegmentTerminator = '/'
		}
	}
	sep, term := env.ElementSeparator, env.SegmentTerminator
	if sep == term || sep == ' ' || term == ' ' {
		env.Problems = append(env.Problems, "ISA: unusable delimiters "+strconv.Quote(string([]byte{sep, term})))
		return env
	}

	var (
		gsControl, stControl string
		inST                 bool
		stSegments           int
		groups, sets         int
		setsInGroup          int
		sawSE, sawGE, sawIEA bool
		dedSum               withholding.Cents
		elems                [12]string
	)
	for len(body) > 0 {
		var seg string
		if i := strings.IndexByte(body, term); i >= 0 {
			seg, body = body[:i], body[i+1:]
		} else {
			seg, body = body, ""
			if trimSpace(seg) != "" {
				env.Problems = append(env.Problems, "820: last segment has no terminator: "+quoted(clip(trimSpace(seg), 20)))
			}
		}
		seg = strings.Trim(seg, " \r\n")
		if seg == "" {
			continue
		}
		el, dirty := splitElements(seg, sep, elems[:0])
		id := el[0]
		if inST {
			stSegments++
		}
		switch strings.ToUpper(id) {
		case "GS":
			groups++
			setsInGroup = 0
			gsControl = elem(el, 6)
		case "ST":
			if inST {
				env.Problems = append(env.Problems, "ST: transaction set "+stControl+" has no SE")
			}
			inST, stSegments, stControl = true, 1, elem(el, 2)
			sets++
			setsInGroup++
			if elem(el, 1) != "820" {
				env.Problems = append(env.Problems, "ST01: "+strconv.Quote(clip(elem(el, 1), 6))+", want 820")
			}
		case "BPR":
			amt, ok := decimalCents(elem(el, 2))
			if !ok {
				env.Problems = append(env.Problems, "BPR02: "+strconv.Quote(clip(elem(el, 2), 18))+" is not an amount")
			} else {
				env.BPRAmount, env.HasBPR = amt, true
			}
		case "DED":
			var d DED
			d.Raw = seg + string(term)
			parseElements(&d, el, ctxLimits, p, dirty)
			dedSum += d.Amount
			env.DEDs = append(env.DEDs, d)
		case "SE":
			sawSE = true
			if !inST {
				env.Problems = append(env.Problems, "SE: without ST")
				break
			}
			inST = false
			if n, ok := digits(elem(el, 1)); !ok || int(n) != stSegments {
				env.Problems = append(env.Problems, "SE01: "+strconv.Quote(elem(el, 1))+", counted "+strconv.Itoa(stSegments)+" segments from ST to SE")
			}
			if elem(el, 2) != stControl {
				env.Problems = append(env.Problems, "SE02: "+strconv.Quote(elem(el, 2))+" does not match ST02 "+strconv.Quote(stControl))
			}
		case "GE":
			sawGE = true
			if n, ok := digits(elem(el, 1)); !ok || int(n) != setsInGroup {
				env.Problems = append(env.Problems, "GE01: "+strconv.Quote(elem(el, 1))+", counted "+strconv.Itoa(setsInGroup)+" transaction sets")
			}
			if elem(el, 2) != gsControl {
				env.Problems = append(env.Problems, "GE02: "+strconv.Quote(elem(el, 2))+" does not match GS06 "+strconv.Quote(gsControl))
			}
		case "IEA":
			sawIEA = true
			if n, ok := digits(elem(el, 1)); !ok || int(n) != groups {
				env.Problems = append(env.Problems, "IEA01: "+strconv.Quote(elem(el, 1))+", counted "+strconv.Itoa(groups)+" functional groups")
			}
			if isaControl != "" && elem(el, 2) != isaControl {
				env.Problems = append(env.Problems, "IEA02: "+strconv.Quote(elem(el, 2))+" does not match ISA13 "+strconv.Quote(isaControl))
			}
		}
	}
	switch {
	case sets == 0:
		env.Problems = append(env.Problems, "820: no ST transaction set")
	case inST || !sawSE:
		env.Problems = append(env.Problems, "820: transaction set "+stControl+" has no SE trailer")
	}
	if isaControl != "" && !sawIEA {
		env.Problems = append(env.Problems, "820: no IEA interchange trailer")
	}
	if groups > 0 && !sawGE {
		env.Problems = append(env.Problems, "820: no GE group trailer")
	}
	if !env.HasBPR {
		env.Problems = append(env.Problems, "BPR: no payment amount")
	} else if env.BPRAmount != entryAmount {
		env.Problems = append(env.Problems, "BPR02 "+env.BPRAmount.String()+" does not match the entry amount "+entryAmount.String())
	}
	if len(env.DEDs) > 0 && dedSum != entryAmount {
		env.Problems = append(env.Problems, "sum of DED04 "+dedSum.String()+" does not match the entry amount "+entryAmount.String())
	}
	return env
}

func elem(el []string, i int) string {
	if i < len(el) {
		return trimSpace(el[i])
	}
	return ""
}

// decimalCents reads an X12 R-type amount ("1000", "1000.00", "461.5").
func decimalCents(s string) (withholding.Cents, bool) {
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" && !dot || len(frac) > 2 || len(whole) > 13 || dot && frac == "" && whole == "" {
		return 0, false
	}
	w := int64(0)
	if whole != "" {
		var ok bool
		if w, ok = digits(whole); !ok {
			return 0, false
		}
	}
	f := int64(0)
	if frac != "" {
		var ok bool
		if f, ok = digits(frac); !ok {
			return 0, false
		}
		if len(frac) == 1 {
			f *= 10
		}
	}
	return withholding.Cents(w*100 + f), true
}
