package cli

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"time"

	"github.com/spf13/cobra"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/config"
	"github.com/rapport-crm/rapport/internal/demo"
)

func demoCmd(cfg *config.Config, stdout, stderr io.Writer) *cobra.Command {
	var (
		c        demo.Config
		in       auth.SetupInput
		users    int
		progress bool
		cpuprof  string
	)
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Create a workspace filled with realistic generated customers and sales (deterministic from --seed)",
		Long: `demo creates a new workspace with an admin and a few salespeople, then
generates accounts, contacts and three years of activities with names,
companies, phones and addresses in English, Spanish and Chinese. The same
--seed always gives the same data. About 2% of the contacts are planted
duplicates (typos, missing accents, swapped names, other phone formats).

It adds tags on some accounts and contacts, relationships between
accounts and two sales teams, and generates the sales: three pipelines, leads scored by
scoring rules, deals with their contacts and stage history, a product catalogue with price books,
quotes (about a quarter in a second revision), contracts invoiced by quarter, and orders with
their shipments, invoices and payments, in seven currencies with monthly exchange rates. Unless given,
their counts follow the customers: a deal per 10 contacts, an order (and
its invoice) per 5, a lead per 20, a contract per 20 accounts — at
1,000,000 contacts that is 100,000 deals and 200,000 orders and invoices
with about a million line items.`,
		Example: `  rapport demo --workspace Demo --email demo@example.com --password 'demo-password'
  rapport demo --workspace Big --email big@example.com --password 'demo-password' --accounts 200000 --contacts 1000000 --activities 5000000
  rapport demo --workspace Sales --email s@example.com --password 'demo-password' --accounts 20000 --contacts 100000 --activities 0 --deals 100000 --orders 200000`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if c.Accounts < 1 || c.Contacts < 0 || c.Activities < 0 || (c.Activities > 0 && c.Contacts == 0) {
				return fmt.Errorf("--accounts must be at least 1, and activities need contacts")
			}
			scaled := func(n *int, from, per int) {
				if *n < 0 {
					*n = from / per
				}
			}
			scaled(&c.Leads, c.Contacts, 20)
			scaled(&c.Deals, c.Contacts, 10)
			scaled(&c.Orders, c.Contacts, 5)
			scaled(&c.Contracts, c.Accounts, 20)
			if c.Products < 0 {
				c.Products = min(200, max(20, c.Accounts/10))
			}
			if (c.Deals > 0 || c.Leads > 0) && c.Contacts == 0 {
				return fmt.Errorf("deals and leads need contacts")
			}
			if users < 1 || users > 100 {
				return fmt.Errorf("--users must be between 1 and 100")
			}
			ctx := cmd.Context()
			d, err := openDB(ctx, cfg)
			if err != nil {
				return err
			}
			defer d.Close()
			log, err := Logger(*cfg, stderr)
			if err != nil {
				return err
			}
			svc := auth.NewService(d, nil, log)
			ws, admin, err := svc.Setup(ctx, in)
			if err != nil {
				return describe(err)
			}
			owners := []string{admin.ID}
			p, err := svc.Principal(ctx, ws.ID, admin.ID)
			if err != nil {
				return err
			}
			roles, err := svc.ListRoles(ctx, p)
			if err != nil {
				return err
			}
			var salesRole string
			for _, r := range roles {
				if r.Builtin == "sales" {
					salesRole = r.ID
				}
			}
			for i := 1; i < users; i++ {
				email, name := fmt.Sprintf("sales%d@%s", i, domainOf(in.Email)), fmt.Sprintf("Sales %d", i)
				u, _, err := svc.CreateUser(ctx, p, auth.UserInput{Email: &email, Name: &name, RoleID: &salesRole, Password: &in.Password})
				if err != nil {
					return describe(err)
				}
				owners = append(owners, u.ID)
			}
			if c.Now == 0 {
				c.Now = time.Now().Unix()
			}
			c.TagsAndTeams = true
			g := demo.New(c)
			if cpuprof != "" {
				pf, err := os.Create(cpuprof)
				if err != nil {
					return err
				}
				defer pf.Close()
				if err := pprof.StartCPUProfile(pf); err != nil {
					return err
				}
				defer pprof.StopCPUProfile()
			}
			if os.Getenv("GOGC") == "" {
				// The builders allocate fast, and most of what stays
				// live is SQLite's page cache and the pointer-free
				// runs of matching keys. Collecting half as often took
				// about 10 s off a million contacts (1 min 53 s instead
				// of 2 min 5 s) for about 500 MB more at the peak.
				debug.SetGCPercent(200)
			}
			last, stageStart := time.Now(), time.Now()
			st, err := demo.Load(ctx, d, g, demo.LoadOptions{Workspace: ws.ID, Owners: owners, Progress: func(stage string, done, total int) {
				if progress && (time.Since(last) > time.Second || done == total) {
					last = time.Now()
					fmt.Fprintf(stderr, "\r%-10s %9d / %-9d", stage, done, total)
					if done == total {
						fmt.Fprintf(stderr, " in %s\n", time.Since(stageStart).Round(time.Millisecond))
						stageStart = time.Now()
					}
				}
			}})
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "workspace %q (%s): %d accounts, %d contacts, %d activities, %d leads, %d deals (%d activities on them), %d quotes, %d contracts, %d orders, %d invoices, %d payments, %d shipments, %d line items, %d users (%d rows) in %s (sales objects %s, indexes and statistics %s)\n",
				ws.Name, ws.ID, st.Accounts, st.Contacts, st.Activities, st.Leads, st.Deals, st.DealActivities, st.Quotes, st.Contracts, st.Orders, st.Invoices, st.Payments, st.Shipments, st.LineItems,
				len(owners), st.Rows, st.Elapsed.Round(time.Millisecond), st.SalesElapsed.Round(time.Millisecond), st.IndexElapsed.Round(time.Millisecond))
			fmt.Fprintf(stdout, "sign in as %s with the password you gave\n", admin.Email)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&in.Workspace, "workspace", "Demo", "name of the new workspace")
	f.StringVar(&in.Email, "email", "demo@example.com", "the admin's e-mail")
	f.StringVar(&in.Password, "password", "", "password of the admin and the salespeople (required, 8 to 128 characters)")
	f.StringVar(&in.Currency, "currency", "USD", "base currency")
	f.StringVar(&in.Language, "language", "en", "default language: en, es or zh")
	f.StringVar(&in.Timezone, "timezone", "UTC", "time zone")
	f.Int64Var(&c.Seed, "seed", 1, "random seed: the same seed gives the same data")
	f.IntVar(&c.Accounts, "accounts", 200, "accounts to generate")
	f.IntVar(&c.Contacts, "contacts", 1000, "contacts to generate")
	f.IntVar(&c.Activities, "activities", 5000, "activities to generate")
	f.IntVar(&c.Leads, "leads", -1, "leads to generate (default: one per 20 contacts)")
	f.IntVar(&c.Deals, "deals", -1, "deals to generate, each with a quote once it reached the quote stage (default: one per 10 contacts)")
	f.IntVar(&c.Orders, "orders", -1, "orders to generate, each with its shipments, invoice and payments (default: one per 5 contacts)")
	f.IntVar(&c.Contracts, "contracts", -1, "contracts to generate (default: one per 20 accounts)")
	f.IntVar(&c.Products, "products", -1, "products in the catalogue (default: one per 10 accounts, 20 to 200)")
	f.IntVar(&users, "users", 5, "users to own the records (the admin and salespeople)")
	f.BoolVar(&progress, "progress", true, "show progress on standard error")
	f.StringVar(&cpuprof, "cpuprofile", "", "write a CPU profile of the load to this file")
	_ = f.MarkHidden("cpuprofile")
	return cmd
}

func domainOf(email string) string {
	for i := len(email) - 1; i >= 0; i-- {
		if email[i] == '@' {
			return email[i+1:]
		}
	}
	return "example.com"
}
