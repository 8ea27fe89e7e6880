package withholding

// Address is a postal address as the e-IWO carries it.
type Address struct {
	Line1 string `json:"line1"`
	Line2 string `json:"line2,omitempty"`
	City  string `json:"city"`
	State string `json:"state"` // two-letter postal code
	ZIP   string `json:"zip"`   // five digits
	ZIP4  string `json:"zip4,omitempty"`
}

// Contact is a person to call.
type Contact struct {
	Name  string `json:"name,omitempty"`
	Phone string `json:"phone,omitempty"` // ten digits
	Fax   string `json:"fax,omitempty"`
	Email string `json:"email,omitempty"`
}

// Employer is an income withholder: an employer or the payroll provider that
// pays on its behalf.
type Employer struct {
	FEIN    FEIN    `json:"fein"`
	Name    string  `json:"name"`
	Address Address `json:"address"`
	Contact Contact `json:"contact"`

	// EIWO reports whether the employer takes IWOs electronically through
	// the e-IWO portal (true) or on paper.
	EIWO bool `json:"eiwo"`
	// Partner names the SFTP partner (configuration) that files for this
	// employer go to and come from; "" means the federal e-IWO portal.
	Partner string `json:"partner,omitempty"`

	// PayFrequency and PayAnchor describe the employer's pay schedule: a
	// known pay date and how often pay recurs. Expected payments derive from
	// them. A zero anchor means the schedule is unknown.
	PayFrequency Frequency `json:"pay_frequency,omitempty"`
	PayAnchor    Date      `json:"pay_anchor"`
}
