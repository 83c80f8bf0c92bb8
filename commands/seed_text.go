package commands

import (
	"slices"
	"strings"

	"github.com/brianvoe/gofakeit/v7"
)

// chineseShare is the share of seeded posts written in Chinese: a blog's
// readers search in the languages its authors write, and many write in
// Chinese, with no spaces between words.
const chineseShare = 0.3

// chineseSentences are what the Chinese posts are assembled from,
// sentences a technical and personal blog would hold.
var chineseSentences = []string{
	"久至博客的支付功能已经上线，读者可以用支付宝或者信用卡购买付费文章。",
	"这篇文章记录了我们把数据库从单机迁移到主从复制的全过程。",
	"周末去了一趟杭州，西湖边的桂花开得正好，空气里都是甜味。",
	"全文搜索对中文来说并不简单，因为词与词之间没有空格。",
	"我们用二元分词建立索引，任意两个字以上的片段都能被找到。",
	"前端页面改用服务端渲染以后，首屏时间缩短了一半。",
	"缓存失效是计算机科学中最难的两件事之一，另一件是命名。",
	"评论区支持实时更新，新的回复会立刻出现在每位读者的页面上。",
	"这次重构把路由表集中到一个文件里，新同事一眼就能看懂。",
	"在咖啡馆写代码的时候，总能遇到有意思的人和故事。",
	"性能测试显示，列表接口在高并发下依然保持稳定的响应时间。",
	"学习一门新的编程语言，最好的办法是用它写一个真实的项目。",
	"摄影的乐趣在于发现日常生活中被忽略的光影和细节。",
	"读书笔记：好的设计应该让正确的事情容易做，让错误的事情难以发生。",
	"我们为每篇文章生成站点地图和订阅源，方便搜索引擎收录。",
	"东京的地铁线路复杂，但指示牌清晰，第一次去也不会迷路。",
	"서울의 가을은 짧지만 아름답다. 남산 타워에서 본 야경을 잊을 수 없다.",
	"日本語の記事も検索できるように、ひらがなとカタカナにも対応しました。",
	"支付回调必须幂等，同一笔订单无论通知多少次都只能入账一次。",
	"离线优先的应用需要认真考虑数据同步和冲突解决。",
	"春节回家，和家人一起包饺子，是一年中最温暖的时刻。",
	"开源社区的力量在于每个人都可以贡献自己的一份力量。",
	"标签让读者可以按主题浏览文章，比时间线更容易找到感兴趣的内容。",
	"这个周末尝试了手冲咖啡，研磨度和水温对味道影响很大。",
}

// chineseTitles are the titles of Chinese posts.
var chineseTitles = []string{
	"久至博客的支付功能", "数据库迁移实录", "杭州桂花季", "中文全文搜索的实现",
	"服务端渲染的性能收益", "缓存失效的艺术", "实时评论是怎样工作的", "一次路由重构",
	"咖啡馆里的代码", "高并发下的列表接口", "学习新语言的方法", "光影与细节",
	"设计的原则", "站点地图与订阅源", "东京地铁漫游", "支付回调的幂等性",
	"离线优先的应用", "春节的饺子", "开源社区随想", "标签与主题浏览", "手冲咖啡入门",
}

// seedTags are the tags seeded posts carry, the first ones most often,
// as on a real blog.
var seedTags = []string{
	"Go", "数据库", "前端", "SQLite", "旅行", "性能", "摄影", "读书", "JavaScript", "设计",
	"开源", "支付", "咖啡", "Security", "DevOps", "生活", "Rust", "PocketBase", "搜索", "日本",
	"Kubernetes", "Web", "测试", "写作", "C++", "C#", "Python", "机器学习", "音乐", "电影",
}

// seedPostTags picks 0 to 4 of n seeded tags by index, skewed to the
// first ones.
func seedPostTags(faker *gofakeit.Faker, n int) []int {
	if n == 0 {
		return nil
	}
	want := min(faker.IntN(5), n)
	picked := make([]int, 0, want)
	for len(picked) < want {
		// the square of a uniform number: small indexes more likely
		f := faker.Float64()
		if i := int(f * f * float64(n)); !slices.Contains(picked, i) {
			picked = append(picked, i)
		}
	}
	return picked
}

// seedChineseTitle is the title of a Chinese post.
func seedChineseTitle(faker *gofakeit.Faker) string {
	return pick(faker, chineseTitles)
}

// seedChineseBody makes 2–5 Chinese paragraphs, the odd one under a
// heading.
func seedChineseBody(faker *gofakeit.Faker) string {
	var b strings.Builder
	for i := faker.IntRange(2, 5); i > 0; i-- {
		if faker.IntN(4) == 0 {
			b.WriteString("<h2>" + pick(faker, chineseTitles) + "</h2>")
		}
		b.WriteString("<p>")
		for j := faker.IntRange(2, 4); j > 0; j-- {
			b.WriteString(pick(faker, chineseSentences))
		}
		b.WriteString("</p>")
	}
	return b.String()
}
