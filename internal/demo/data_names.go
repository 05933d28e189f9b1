package demo

// hanPy is Chinese text with an ascii (pinyin) spelling for e-mail
// addresses and domains.
type hanPy struct{ han, py string }

// People's names. Lists are roughly in order of frequency: names are
// picked with a skew towards the start.

var enGivenM = []string{
	"James", "John", "Robert", "Michael", "William", "David", "Richard", "Joseph", "Thomas", "Charles",
	"Christopher", "Daniel", "Matthew", "Anthony", "Mark", "Donald", "Steven", "Paul", "Andrew", "Joshua",
	"Kenneth", "Kevin", "Brian", "George", "Timothy", "Ronald", "Edward", "Jason", "Jeffrey", "Ryan",
	"Jacob", "Gary", "Nicholas", "Eric", "Jonathan", "Stephen", "Larry", "Justin", "Scott", "Brandon",
	"Benjamin", "Samuel", "Gregory", "Alexander", "Frank", "Patrick", "Raymond", "Jack", "Dennis", "Jerry",
	"Tyler", "Aaron", "Adam", "Nathan", "Henry", "Douglas", "Zachary", "Peter", "Kyle", "Ethan",
	"Noah", "Liam", "Oliver", "Lucas", "Mason", "Logan", "Owen", "Connor", "Caleb", "Dylan",
	"Luke", "Gavin", "Ian", "Sean", "Colin", "Graham", "Neil", "Simon", "Rhys", "Callum",
	"Alistair", "Hugo", "Marcus", "Trevor", "Derek", "Wesley", "Rajesh", "Vikram", "Minh", "Hiroshi",
}

var enGivenF = []string{
	"Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Barbara", "Susan", "Jessica", "Sarah", "Karen",
	"Lisa", "Nancy", "Betty", "Margaret", "Sandra", "Ashley", "Kimberly", "Emily", "Donna", "Michelle",
	"Carol", "Amanda", "Dorothy", "Melissa", "Deborah", "Stephanie", "Rebecca", "Sharon", "Laura", "Cynthia",
	"Kathleen", "Amy", "Angela", "Shirley", "Anna", "Brenda", "Pamela", "Emma", "Nicole", "Helen",
	"Samantha", "Katherine", "Christine", "Debra", "Rachel", "Carolyn", "Janet", "Catherine", "Maria", "Heather",
	"Diane", "Olivia", "Julie", "Joyce", "Victoria", "Grace", "Sophia", "Chloe", "Hannah", "Abigail",
	"Madison", "Isabella", "Ava", "Mia", "Charlotte", "Amelia", "Harper", "Evelyn", "Lauren", "Megan",
	"Allison", "Natalie", "Zoe", "Claire", "Lucy", "Fiona", "Siobhan", "Imogen", "Eleanor", "Harriet",
	"Renée", "Zoë", "Priya", "Aisha", "Mei", "Yuki", "Naomi", "Gemma", "Kirsty", "Bethany",
}

var enFamily = []string{
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson", "Taylor",
	"Thomas", "Moore", "Martin", "Jackson", "Thompson", "White", "Harris", "Clark", "Lewis", "Robinson",
	"Walker", "Young", "Allen", "King", "Wright", "Scott", "Hill", "Green", "Adams", "Baker",
	"Nelson", "Carter", "Mitchell", "Roberts", "Turner", "Phillips", "Campbell", "Parker", "Evans", "Edwards",
	"Collins", "Stewart", "Morris", "Murphy", "Cook", "Rogers", "Morgan", "Peterson", "Cooper", "Reed",
	"Bailey", "Bell", "Kelly", "Howard", "Ward", "Cox", "Richardson", "Wood", "Watson", "Brooks",
	"Bennett", "Gray", "James", "Hughes", "Price", "Sanders", "Myers", "Long", "Ross", "Foster",
	"Powell", "Jenkins", "Perry", "Russell", "Sullivan", "Butler", "Barnes", "Fisher", "Henderson", "Coleman",
	"Simmons", "Patterson", "Jordan", "Reynolds", "Hamilton", "Graham", "Wallace", "West", "Cole", "Hayes",
	"Bryant", "Gibson", "Ellis", "Stevens", "Murray", "Ford", "Marshall", "Owens", "McDonald", "Harrison",
	"Kennedy", "Wells", "Alexander", "Tucker", "Porter", "Hunter", "Hicks", "Crawford", "Henry", "Boyd",
	"Mason", "Warren", "Dixon", "Burns", "Gordon", "Shaw", "Holmes", "Rice", "Hunt", "Black",
	"Palmer", "Robertson", "Mills", "Nichols", "Grant", "Knight", "Ferguson", "Stone", "Hawkins", "Dunn",
	"Perkins", "Hudson", "Spencer", "Stephens", "Pearce", "O'Brien", "O'Connor", "Walsh", "Lloyd", "Davies",
	"Hall", "Lee", "Chapman", "Fletcher", "Webb", "MacLeod", "Hart", "Lawrence", "Fox", "Barker",
	"Patel", "Nguyen", "Kim", "Singh", "Khan", "Cohen", "Schmidt", "Novak", "Rossi", "Kowalski",
}

var esGivenM = []string{
	"José", "Antonio", "Juan", "Manuel", "Francisco", "Luis", "Javier", "Miguel", "Carlos", "Ángel",
	"Jesús", "David", "Pedro", "Daniel", "Alejandro", "Rafael", "Fernando", "Pablo", "Sergio", "Jorge",
	"Alberto", "Raúl", "Álvaro", "Diego", "Adrián", "Enrique", "Ramón", "Andrés", "Vicente", "Joaquín",
	"Santiago", "Víctor", "Óscar", "Rubén", "Iván", "Mario", "Eduardo", "Marcos", "Roberto", "Ignacio",
	"Hugo", "Martín", "Sebastián", "Julián", "Tomás", "Nicolás", "Mateo", "Emilio", "Gonzalo", "Héctor",
	"Germán", "Íñigo", "Jaime", "Agustín", "Felipe", "Gustavo", "Ricardo", "Arturo", "Guillermo", "Rodrigo",
	"Esteban", "Fabián", "Cristóbal", "Gabriel", "Leonardo", "Maximiliano", "Facundo", "Ulises", "Efraín", "Benjamín",
}

var esGivenF = []string{
	"María", "Carmen", "Ana", "Isabel", "Laura", "Cristina", "Marta", "Lucía", "Elena", "Sofía",
	"Paula", "Sara", "Raquel", "Pilar", "Rosa", "Teresa", "Beatriz", "Patricia", "Silvia", "Mónica",
	"Verónica", "Natalia", "Andrea", "Claudia", "Rocío", "Inés", "Begoña", "Nuria", "Alicia", "Irene",
	"Julia", "Valentina", "Camila", "Daniela", "Gabriela", "Mariana", "Ximena", "Guadalupe", "Fernanda", "Victoria",
	"Alejandra", "Lorena", "Adriana", "Carolina", "Esperanza", "Dolores", "Concepción", "Mercedes", "Ángela", "Consuelo",
	"Ainhoa", "Leticia", "Yolanda", "Marisol", "Florencia", "Agustina", "Milagros", "Luciana", "Catalina", "Juliana",
	"Estefanía", "Noelia", "Belén", "Montserrat", "Itziar", "Macarena", "Renata", "Jimena", "Abril", "Emilia",
}

// Second given names (José Luis, María José).
var esMiddleM = []string{"Luis", "Carlos", "Antonio", "Manuel", "Miguel", "Ignacio", "Pablo", "Francisco", "José", "Ramón", "Andrés", "Ángel", "María"}

var esMiddleF = []string{"José", "Isabel", "Fernanda", "Elena", "Teresa", "del Carmen", "de los Ángeles", "Luisa", "Paz", "Pilar", "Guadalupe", "Inés", "Belén"}

var esFamily = []string{
	"García", "Rodríguez", "González", "Fernández", "López", "Martínez", "Sánchez", "Pérez", "Gómez", "Martín",
	"Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno", "Muñoz", "Álvarez", "Romero", "Alonso", "Gutiérrez",
	"Navarro", "Torres", "Domínguez", "Vázquez", "Ramos", "Gil", "Ramírez", "Serrano", "Blanco", "Molina",
	"Morales", "Suárez", "Ortega", "Delgado", "Castro", "Ortiz", "Rubio", "Marín", "Sanz", "Núñez",
	"Iglesias", "Medina", "Garrido", "Cortés", "Castillo", "Santos", "Lozano", "Guerrero", "Cano", "Prieto",
	"Méndez", "Cruz", "Calvo", "Gallego", "Vidal", "León", "Márquez", "Herrera", "Peña", "Flores",
	"Cabrera", "Campos", "Vega", "Fuentes", "Carrasco", "Díez", "Caballero", "Reyes", "Nieto", "Aguilar",
	"Pascual", "Santana", "Herrero", "Lorenzo", "Montero", "Hidalgo", "Giménez", "Ibáñez", "Ferrer", "Durán",
	"Santiago", "Benítez", "Mora", "Vicente", "Vargas", "Arias", "Carmona", "Crespo", "Román", "Pastor",
	"Soto", "Sáez", "Velasco", "Moya", "Soler", "Parra", "Esteban", "Bravo", "Gallardo", "Rojas",
	"Mendoza", "Rivera", "Salazar", "Chávez", "Castañeda", "Ochoa", "Zúñiga", "Cárdenas", "Espinoza", "Ríos",
	"Acosta", "Valencia", "Quintero", "Echeverría", "Aguirre", "Orozco", "Villanueva", "Peñalosa", "Báez", "Gaitán",
}

// The 100 most common Chinese surnames, most common first.
var zhFamily = []hanPy{
	{"王", "wang"}, {"李", "li"}, {"张", "zhang"}, {"刘", "liu"}, {"陈", "chen"},
	{"杨", "yang"}, {"黄", "huang"}, {"赵", "zhao"}, {"吴", "wu"}, {"周", "zhou"},
	{"徐", "xu"}, {"孙", "sun"}, {"马", "ma"}, {"朱", "zhu"}, {"胡", "hu"},
	{"郭", "guo"}, {"何", "he"}, {"林", "lin"}, {"高", "gao"}, {"罗", "luo"},
	{"郑", "zheng"}, {"梁", "liang"}, {"谢", "xie"}, {"宋", "song"}, {"唐", "tang"},
	{"许", "xu"}, {"邓", "deng"}, {"韩", "han"}, {"冯", "feng"}, {"曹", "cao"},
	{"彭", "peng"}, {"曾", "zeng"}, {"肖", "xiao"}, {"田", "tian"}, {"董", "dong"},
	{"潘", "pan"}, {"袁", "yuan"}, {"蔡", "cai"}, {"蒋", "jiang"}, {"余", "yu"},
	{"于", "yu"}, {"杜", "du"}, {"叶", "ye"}, {"程", "cheng"}, {"魏", "wei"},
	{"苏", "su"}, {"吕", "lv"}, {"丁", "ding"}, {"任", "ren"}, {"卢", "lu"},
	{"姚", "yao"}, {"沈", "shen"}, {"钟", "zhong"}, {"姜", "jiang"}, {"崔", "cui"},
	{"谭", "tan"}, {"陆", "lu"}, {"范", "fan"}, {"汪", "wang"}, {"廖", "liao"},
	{"石", "shi"}, {"金", "jin"}, {"韦", "wei"}, {"贾", "jia"}, {"夏", "xia"},
	{"付", "fu"}, {"方", "fang"}, {"邹", "zou"}, {"熊", "xiong"}, {"白", "bai"},
	{"孟", "meng"}, {"秦", "qin"}, {"邱", "qiu"}, {"侯", "hou"}, {"江", "jiang"},
	{"尹", "yin"}, {"薛", "xue"}, {"闫", "yan"}, {"段", "duan"}, {"雷", "lei"},
	{"龙", "long"}, {"黎", "li"}, {"史", "shi"}, {"陶", "tao"}, {"贺", "he"},
	{"毛", "mao"}, {"郝", "hao"}, {"顾", "gu"}, {"龚", "gong"}, {"邵", "shao"},
	{"万", "wan"}, {"覃", "qin"}, {"武", "wu"}, {"钱", "qian"}, {"戴", "dai"},
	{"严", "yan"}, {"莫", "mo"}, {"孔", "kong"}, {"向", "xiang"}, {"常", "chang"},
}

// Characters of Chinese given names; a given name is one or two of them.
var zhGiven = []hanPy{
	{"伟", "wei"}, {"芳", "fang"}, {"娜", "na"}, {"敏", "min"}, {"静", "jing"},
	{"丽", "li"}, {"强", "qiang"}, {"磊", "lei"}, {"军", "jun"}, {"洋", "yang"},
	{"勇", "yong"}, {"艳", "yan"}, {"杰", "jie"}, {"娟", "juan"}, {"涛", "tao"},
	{"明", "ming"}, {"超", "chao"}, {"秀", "xiu"}, {"霞", "xia"}, {"平", "ping"},
	{"刚", "gang"}, {"桂", "gui"}, {"英", "ying"}, {"华", "hua"}, {"建", "jian"},
	{"文", "wen"}, {"辉", "hui"}, {"玲", "ling"}, {"红", "hong"}, {"鑫", "xin"},
	{"波", "bo"}, {"宇", "yu"}, {"浩", "hao"}, {"婷", "ting"}, {"雪", "xue"},
	{"琳", "lin"}, {"晨", "chen"}, {"欣", "xin"}, {"怡", "yi"}, {"佳", "jia"},
	{"子", "zi"}, {"涵", "han"}, {"梓", "zi"}, {"轩", "xuan"}, {"博", "bo"},
	{"俊", "jun"}, {"雨", "yu"}, {"思", "si"}, {"嘉", "jia"}, {"志", "zhi"},
	{"海", "hai"}, {"国", "guo"}, {"晓", "xiao"}, {"春", "chun"},
	{"玉", "yu"}, {"慧", "hui"}, {"颖", "ying"}, {"鹏", "peng"}, {"飞", "fei"},
	{"斌", "bin"}, {"宁", "ning"}, {"亮", "liang"}, {"凯", "kai"}, {"瑞", "rui"},
	{"楠", "nan"}, {"倩", "qian"}, {"雅", "ya"}, {"丹", "dan"}, {"琪", "qi"},
	{"天", "tian"}, {"玮", "wei"}, {"威", "wei"}, {"薇", "wei"}, {"萍", "ping"},
	{"莉", "li"}, {"力", "li"}, {"峰", "feng"}, {"锋", "feng"}, {"云", "yun"},
	{"芸", "yun"}, {"燕", "yan"}, {"妍", "yan"}, {"洁", "jie"}, {"婕", "jie"},
	{"昊", "hao"}, {"皓", "hao"}, {"泽", "ze"}, {"睿", "rui"}, {"毅", "yi"},
	{"阳", "yang"}, {"翔", "xiang"}, {"冰", "bing"}, {"琦", "qi"}, {"晶", "jing"},
	{"璐", "lu"}, {"一", "yi"}, {"然", "ran"}, {"诗", "shi"}, {"悦", "yue"}, {"彤", "tong"},
}

// zhHomophones maps a name character to the others of its list that sound
// the same: the typos of Chinese names typed by pinyin input.
var zhHomophones = func() map[rune][]rune {
	m := map[rune][]rune{}
	for _, list := range [][]hanPy{zhFamily, zhGiven} {
		for _, a := range list {
			ra := []rune(a.han)[0]
			for _, b := range list {
				if rb := []rune(b.han)[0]; a.py == b.py && ra != rb {
					m[ra] = append(m[ra], rb)
				}
			}
		}
	}
	return m
}()

// keyNeighbours are the letters next to each letter on a QWERTY keyboard.
var keyNeighbours = [26]string{
	"qwsz", "vghn", "xdfv", "serfcx", "wsdr", "drtgvc", "ftyhbv", "gyujnb", "ujko", "huikmn",
	"jiolm", "kop", "njk", "bhjm", "iklp", "ol", "wa", "edft", "awedxz", "rfgy",
	"yhji", "cfgb", "qase", "zsdc", "tghu", "asx",
}
