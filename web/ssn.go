package web

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/iwoproject/iwo/withholding"
)

// searchSSN finds orders by an obligor's full SSN. The number comes in a
// POST body, so it is not in the address bar, the browser's history or a
// proxy's access log, and the answer never prints it back: one order
// redirects to its page, several are listed with masked SSNs. Each search
// is in the audit log, without the number.
func (s *Server) searchSSN(w http.ResponseWriter, r *http.Request) error {
	ssn, err := withholding.NewSSN(r.PostFormValue("ssn"))
	if err != nil {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusBadRequest)
		return s.render(w, r, "ssnsearch", "Find by SSN", map[string]any{"Problem": "Type the obligor's nine-digit SSN."})
	}
	orders, n, err := s.cfg.Orders.FindOrders(r.Context(), withholding.OrderFilter{SSN: &ssn, Limit: 50})
	if err != nil {
		return fmt.Errorf("search orders by SSN: %w", err)
	}
	subject := ""
	if len(orders) == 1 {
		subject = "order:" + strconv.FormatInt(orders[0].ID, 10)
	}
	if err := s.audit(r, withholding.AuditSearchSSN, subject, fmt.Sprintf("orders found: %d", n)); err != nil {
		return err
	}
	if len(orders) == 1 {
		http.Redirect(w, r, "/orders/"+strconv.FormatInt(orders[0].ID, 10), http.StatusSeeOther)
		return nil
	}
	return s.render(w, r, "ssnsearch", "Find by SSN", map[string]any{"Orders": orders, "Count": n})
}
