package withholding

import "slices"

// ImportChange decides what re-importing an order from the agency's file
// changes. existing is the stored order, nil when the order is new;
// incoming is the order as the file states it.
//
// The action is the IWO the change calls for: ORG for a new order, TRM
// when the end date is newly set (or moved), AMD for any other change of
// terms. changed is false, and the action "", when incoming says the same
// as existing: the state the exchange owns (ID, Status, PendingAction,
// TrackingID, RejectReason) is no part of what the file says, and an empty
// list of children is no children.
//
// Whether that IWO is actually sent is ApplyImportChange's business: an
// order no IWO went out for keeps its pending ORG, or is terminated
// outright.
func ImportChange(existing, incoming *Order) (action Action, changed bool) {
	switch {
	case existing == nil:
		return ActionOriginal, true
	case sameTerms(existing, incoming):
		return "", false
	case !incoming.EndDate.IsZero() && incoming.EndDate != existing.EndDate:
		return ActionTerminate, true
	default:
		return ActionAmend, true
	}
}

// ApplyImportChange sets on incoming what is stored after ImportChange
// decided action for it: a new order (ORG) is pending and needs its ORG;
// a changed one keeps the state the exchange owns from existing and needs
// the TRM or AMD, unless no IWO was ever sent for it, when a TRM simply
// terminates it and an AMD leaves its pending ORG to carry the new terms.
// Any other action leaves incoming alone.
func ApplyImportChange(existing, incoming *Order, action Action) {
	switch action {
	case ActionOriginal:
		incoming.Status, incoming.PendingAction = StatusPending, ActionOriginal
	case ActionTerminate:
		keepExchangeState(incoming, existing)
		if neverSent(existing) {
			incoming.Status, incoming.PendingAction = StatusTerminated, ""
		} else {
			incoming.PendingAction = ActionTerminate
		}
	case ActionAmend:
		keepExchangeState(incoming, existing)
		if !neverSent(existing) {
			incoming.PendingAction = ActionAmend
		}
	}
}

// keepExchangeState copies from old what the exchange, not the agency's
// file, owns.
func keepExchangeState(o, old *Order) {
	o.ID, o.Status, o.PendingAction = old.ID, old.Status, old.PendingAction
	o.TrackingID, o.RejectReason = old.TrackingID, old.RejectReason
}

// neverSent reports whether no IWO has gone out for the order yet.
func neverSent(o *Order) bool {
	return o.Status == StatusPending && o.TrackingID == ""
}

// sameTerms reports whether a and b state the same order: every field
// but those keepExchangeState copies. TestImportChangeComparesEveryField
// fails when Order gains a field this does not name.
func sameTerms(a, b *Order) bool {
	return a.CaseID == b.CaseID && a.OrderID == b.OrderID &&
		a.RemittanceID == b.RemittanceID && a.EmployerFEIN == b.EmployerFEIN &&
		a.Obligor == b.Obligor && a.Obligee == b.Obligee &&
		slices.Equal(a.Children, b.Children) &&
		a.IssuingState == b.IssuingState && a.IssuingJurisdiction == b.IssuingJurisdiction &&
		a.IssuingTribunal == b.IssuingTribunal && a.PayeeFIPS == b.PayeeFIPS &&
		a.Amounts == b.Amounts && a.Stated == b.Stated && a.Percent == b.Percent &&
		a.ArrearsOver12Weeks == b.ArrearsOver12Weeks &&
		a.LumpSum == b.LumpSum && a.StartDate == b.StartDate && a.EndDate == b.EndDate
}
