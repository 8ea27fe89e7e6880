package withholding

// The federal defaults an IWO states when the issuing state asks nothing
// else of the employer (the IWO form, OMB 0970-0154): begin withholding
// within 14 days of receipt, send each payment within 7 working days of
// payday, and the 50% CCPA limit.
const (
	DefaultBeginWithinDays       = 14
	DefaultStartInstructions     = "RECEIPT"
	DefaultSendPaymentWithinDays = 7
	DefaultCCPAPercent           = 50
)

// GoverningState returns the full name the e-IWO's Governing State element
// takes for a two-letter postal code ("CA" gives "CALIFORNIA"), or the code
// itself when it names no state or territory in the table.
func GoverningState(code string) string {
	if name, ok := stateNames[code]; ok {
		return name
	}
	return code
}

// stateNames are the full names of the states, the District of Columbia
// and the territories with an IV-D agency, by postal code.
var stateNames = map[string]string{
	"AL": "ALABAMA", "AK": "ALASKA", "AZ": "ARIZONA", "AR": "ARKANSAS", "CA": "CALIFORNIA",
	"CO": "COLORADO", "CT": "CONNECTICUT", "DE": "DELAWARE", "DC": "DISTRICT OF COLUMBIA",
	"FL": "FLORIDA", "GA": "GEORGIA", "GU": "GUAM", "HI": "HAWAII", "ID": "IDAHO", "IL": "ILLINOIS",
	"IN": "INDIANA", "IA": "IOWA", "KS": "KANSAS", "KY": "KENTUCKY", "LA": "LOUISIANA", "ME": "MAINE",
	"MD": "MARYLAND", "MA": "MASSACHUSETTS", "MI": "MICHIGAN", "MN": "MINNESOTA", "MS": "MISSISSIPPI",
	"MO": "MISSOURI", "MT": "MONTANA", "NE": "NEBRASKA", "NV": "NEVADA", "NH": "NEW HAMPSHIRE",
	"NJ": "NEW JERSEY", "NM": "NEW MEXICO", "NY": "NEW YORK", "NC": "NORTH CAROLINA",
	"ND": "NORTH DAKOTA", "OH": "OHIO", "OK": "OKLAHOMA", "OR": "OREGON", "PA": "PENNSYLVANIA",
	"PR": "PUERTO RICO", "RI": "RHODE ISLAND", "SC": "SOUTH CAROLINA", "SD": "SOUTH DAKOTA",
	"TN": "TENNESSEE", "TX": "TEXAS", "UT": "UTAH", "VT": "VERMONT", "VI": "VIRGIN ISLANDS",
	"VA": "VIRGINIA", "WA": "WASHINGTON", "WV": "WEST VIRGINIA", "WI": "WISCONSIN", "WY": "WYOMING",
}
