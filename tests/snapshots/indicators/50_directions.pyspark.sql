-- student_results:additive
SELECT
  *
FROM (
  SELECT
    `t5`.`org_id`,
    `t5`.`year`,
    `t5`.`procedure`,
    `t5`.`subject`,
    `t5`.`grade`,
    `t5`.`n0`,
    `t5`.`c0`,
    `t5`.`n1`,
    `t5`.`d1`,
    `t2`.`territory_id`
  FROM (
    SELECT
      `t3`.`org_id`,
      `t3`.`year`,
      `t3`.`procedure`,
      `t3`.`subject`,
      `t3`.`grade`,
      SUM(IF(`t3`.`procedure` = 'VPR', 1, 0)) AS `n0`,
      SUM(IF(`t3`.`procedure` = 'VPR', 1, 0)) AS `c0`,
      SUM(
        IF(
          `t3`.`procedure` IN ('VPR', 'OGE', 'GVE9')
          AND (
            `t3`.`mark` IS NOT NULL
          )
          AND (
            `t3`.`mark` = 2
          ),
          1,
          0
        )
      ) AS `n1`,
      SUM(
        IF(`t3`.`procedure` IN ('VPR', 'OGE', 'GVE9') AND (
          `t3`.`mark` IS NOT NULL
        ), 1, 0)
      ) AS `d1`
    FROM (
      SELECT
        *
      FROM `student_results` AS `t1`
      WHERE
        `t1`.`procedure` IN ('GVE9', 'OGE', 'VPR')
    ) AS `t3`
    GROUP BY
      1,
      2,
      3,
      4,
      5
  ) AS `t5`
  LEFT OUTER JOIN `org_territory` AS `t2`
    ON `t5`.`org_id` = `t2`.`org_id`
) AS `t6`
ORDER BY
  `t6`.`year` ASC NULLS LAST,
  `t6`.`territory_id` ASC,
  `t6`.`org_id` ASC NULLS LAST;

-- school_aggregates:additive
SELECT
  *
FROM (
  SELECT
    `t5`.`org_id`,
    `t5`.`year`,
    `t5`.`subject`,
    `t5`.`grade`,
    `t5`.`n0`,
    `t5`.`c0`,
    `t2`.`territory_id`
  FROM (
    SELECT
      `t3`.`org_id`,
      `t3`.`year`,
      `t3`.`subject`,
      `t3`.`grade`,
      SUM(IF(`t3`.`org_id` IS NOT NULL, 1, 0)) AS `n0`,
      SUM(IF(`t3`.`org_id` IS NOT NULL, 1, 0)) AS `c0`
    FROM (
      SELECT
        *
      FROM `school_aggregates` AS `t1`
      WHERE
        `t1`.`procedure` IN ('NIKO')
    ) AS `t3`
    GROUP BY
      1,
      2,
      3,
      4
  ) AS `t5`
  LEFT OUTER JOIN `org_territory` AS `t2`
    ON `t5`.`org_id` = `t2`.`org_id`
) AS `t6`
ORDER BY
  `t6`.`year` ASC NULLS LAST,
  `t6`.`territory_id` ASC,
  `t6`.`org_id` ASC NULLS LAST;

-- attendance:additive
SELECT
  *
FROM (
  SELECT
    `t5`.`org_id`,
    `t5`.`year`,
    `t5`.`grade`,
    `t5`.`n0`,
    `t5`.`c0`,
    `t5`.`n1`,
    `t5`.`c1`,
    `t2`.`territory_id`
  FROM (
    SELECT
      `t3`.`org_id`,
      `t3`.`year`,
      `t3`.`grade`,
      SUM(CAST(`t3`.`lessons_total` AS DOUBLE)) AS `n0`,
      COUNT(`t3`.`lessons_total`) AS `c0`,
      SUM(CAST(`t3`.`lessons_missed_unexcused` AS DOUBLE)) AS `n1`,
      COUNT(`t3`.`lessons_missed_unexcused`) AS `c1`
    FROM (
      SELECT
        *
      FROM `attendance` AS `t1`
      WHERE
        `t1`.`procedure` IN ('ATTENDANCE')
    ) AS `t3`
    GROUP BY
      1,
      2,
      3
  ) AS `t5`
  LEFT OUTER JOIN `org_territory` AS `t2`
    ON `t5`.`org_id` = `t2`.`org_id`
) AS `t6`
ORDER BY
  `t6`.`year` ASC NULLS LAST,
  `t6`.`territory_id` ASC,
  `t6`.`org_id` ASC NULLS LAST;

-- destinations:additive
SELECT
  *
FROM (
  SELECT
    `t5`.`org_id`,
    `t5`.`year`,
    `t5`.`grade`,
    `t5`.`n0`,
    `t5`.`d0`,
    `t2`.`territory_id`
  FROM (
    SELECT
      `t3`.`org_id`,
      `t3`.`year`,
      `t3`.`grade`,
      SUM(
        IF(
          `t3`.`grade` IN (9, 11)
          AND `t3`.`destination` IN ('college', 'university', 'school', 'work', 'army'),
          1,
          0
        )
      ) AS `n0`,
      SUM(IF(`t3`.`grade` IN (9, 11), 1, 0)) AS `d0`
    FROM (
      SELECT
        *
      FROM `destinations` AS `t1`
      WHERE
        `t1`.`procedure` IN ('DESTINATIONS')
    ) AS `t3`
    GROUP BY
      1,
      2,
      3
  ) AS `t5`
  LEFT OUTER JOIN `org_territory` AS `t2`
    ON `t5`.`org_id` = `t2`.`org_id`
) AS `t6`
ORDER BY
  `t6`.`year` ASC NULLS LAST,
  `t6`.`territory_id` ASC,
  `t6`.`org_id` ASC NULLS LAST;

-- dir1.ege_passed_min:distinct
SELECT
  *
FROM (
  SELECT
    `t5`.`org_id`,
    `t5`.`year`,
    `t5`.`subject`,
    `t5`.`n0`,
    `t5`.`d0`,
    `t2`.`territory_id`
  FROM (
    SELECT
      `t3`.`org_id`,
      `t3`.`year`,
      `t3`.`subject`,
      COUNT(
        DISTINCT IF(
          (
            `t3`.`test_score` >= `t3`.`_min_threshold`
          ) OR (
            `t3`.`mark` >= 3
          ),
          `t3`.`student`,
          NULL
        )
      ) AS `n0`,
      COUNT(DISTINCT `t3`.`student`) AS `d0`
    FROM (
      SELECT
        `t1`.`batch_id`,
        `t1`.`org_id`,
        `t1`.`year`,
        `t1`.`procedure`,
        `t1`.`subject`,
        `t1`.`grade`,
        `t1`.`student`,
        `t1`.`class_label`,
        `t1`.`variant`,
        `t1`.`primary_score`,
        `t1`.`test_score`,
        `t1`.`mark`,
        `t1`.`journal_mark`,
        `t1`.`passed`,
        `t1`.`level`,
        CASE
          WHEN (
            `t1`.`procedure` = 'EGE'
          ) AND (
            `t1`.`subject` = 'bio'
          )
          THEN 36.0
          WHEN (
            `t1`.`procedure` = 'EGE'
          ) AND (
            `t1`.`subject` = 'chem'
          )
          THEN 36.0
          WHEN (
            `t1`.`procedure` = 'EGE'
          ) AND (
            `t1`.`subject` = 'eng'
          )
          THEN 22.0
          WHEN (
            `t1`.`procedure` = 'EGE'
          ) AND (
            `t1`.`subject` = 'geo'
          )
          THEN 37.0
          WHEN (
            `t1`.`procedure` = 'EGE'
          ) AND (
            `t1`.`subject` = 'hist'
          )
          THEN 32.0
          WHEN (
            `t1`.`procedure` = 'EGE'
          ) AND (
            `t1`.`subject` = 'inf'
          )
          THEN 40.0
          WHEN (
            `t1`.`procedure` = 'EGE'
          ) AND (
            `t1`.`subject` = 'lit'
          )
          THEN 32.0
          WHEN (
            `t1`.`procedure` = 'EGE'
          ) AND (
            `t1`.`subject` = 'math_profile'
          )
          THEN 27.0
          WHEN (
            `t1`.`procedure` = 'EGE'
          ) AND (
            `t1`.`subject` = 'phys'
          )
          THEN 36.0
          WHEN (
            `t1`.`procedure` = 'EGE'
          ) AND (
            `t1`.`subject` = 'ru'
          )
          THEN 24.0
          WHEN (
            `t1`.`procedure` = 'EGE'
          ) AND (
            `t1`.`subject` = 'soc'
          )
          THEN 42.0
          ELSE CAST(NULL AS DOUBLE)
        END AS `_min_threshold`
      FROM `student_results` AS `t1`
      WHERE
        `t1`.`procedure` = 'EGE'
    ) AS `t3`
    GROUP BY
      1,
      2,
      3
  ) AS `t5`
  LEFT OUTER JOIN `org_territory` AS `t2`
    ON `t5`.`org_id` = `t2`.`org_id`
) AS `t6`
ORDER BY
  `t6`.`year` ASC NULLS LAST,
  `t6`.`territory_id` ASC,
  `t6`.`org_id` ASC NULLS LAST;

-- dir1.oge_passed_min:distinct
SELECT
  *
FROM (
  SELECT
    `t5`.`org_id`,
    `t5`.`year`,
    `t5`.`subject`,
    `t5`.`n0`,
    `t5`.`d0`,
    `t2`.`territory_id`
  FROM (
    SELECT
      `t3`.`org_id`,
      `t3`.`year`,
      `t3`.`subject`,
      COUNT(DISTINCT IF(`t3`.`mark` >= 3, `t3`.`student`, NULL)) AS `n0`,
      COUNT(DISTINCT `t3`.`student`) AS `d0`
    FROM (
      SELECT
        *
      FROM `student_results` AS `t1`
      WHERE
        `t1`.`procedure` = 'OGE'
    ) AS `t3`
    GROUP BY
      1,
      2,
      3
  ) AS `t5`
  LEFT OUTER JOIN `org_territory` AS `t2`
    ON `t5`.`org_id` = `t2`.`org_id`
) AS `t6`
ORDER BY
  `t6`.`year` ASC NULLS LAST,
  `t6`.`territory_id` ASC,
  `t6`.`org_id` ASC NULLS LAST;

-- dir1.absentees:distinct
SELECT
  *
FROM (
  SELECT
    `t5`.`org_id`,
    `t5`.`year`,
    `t5`.`n0`,
    `t5`.`d0`,
    `t2`.`territory_id`
  FROM (
    SELECT
      `t3`.`org_id`,
      `t3`.`year`,
      COUNT(DISTINCT IF(`t3`.`lessons_missed_unexcused` > 0, `t3`.`student`, NULL)) AS `n0`,
      COUNT(DISTINCT `t3`.`student`) AS `d0`
    FROM (
      SELECT
        *
      FROM `attendance` AS `t1`
      WHERE
        `t1`.`procedure` = 'ATTENDANCE' AND `t1`.`student` IS NOT NULL
    ) AS `t3`
    GROUP BY
      1,
      2
  ) AS `t5`
  LEFT OUTER JOIN `org_territory` AS `t2`
    ON `t5`.`org_id` = `t2`.`org_id`
) AS `t6`
ORDER BY
  `t6`.`year` ASC NULLS LAST,
  `t6`.`territory_id` ASC,
  `t6`.`org_id` ASC NULLS LAST;

-- dir3.vsosh_school:distinct
SELECT
  *
FROM (
  SELECT
    `t5`.`org_id`,
    `t5`.`year`,
    `t5`.`n0`,
    `t2`.`territory_id`
  FROM (
    SELECT
      `t3`.`org_id`,
      `t3`.`year`,
      COUNT(DISTINCT `t3`.`student`) AS `n0`
    FROM (
      SELECT
        *
      FROM `olympiad_results` AS `t1`
      WHERE
        `t1`.`procedure` = 'VSOSH' AND `t1`.`stage` = 'school'
    ) AS `t3`
    GROUP BY
      1,
      2
  ) AS `t5`
  LEFT OUTER JOIN `org_territory` AS `t2`
    ON `t5`.`org_id` = `t2`.`org_id`
) AS `t6`
ORDER BY
  `t6`.`year` ASC NULLS LAST,
  `t6`.`territory_id` ASC,
  `t6`.`org_id` ASC NULLS LAST;

-- dir3.vsosh_municipal:distinct
SELECT
  *
FROM (
  SELECT
    `t5`.`org_id`,
    `t5`.`year`,
    `t5`.`n0`,
    `t2`.`territory_id`
  FROM (
    SELECT
      `t3`.`org_id`,
      `t3`.`year`,
      COUNT(DISTINCT `t3`.`student`) AS `n0`
    FROM (
      SELECT
        *
      FROM `olympiad_results` AS `t1`
      WHERE
        `t1`.`procedure` = 'VSOSH' AND `t1`.`stage` = 'municipal'
    ) AS `t3`
    GROUP BY
      1,
      2
  ) AS `t5`
  LEFT OUTER JOIN `org_territory` AS `t2`
    ON `t5`.`org_id` = `t2`.`org_id`
) AS `t6`
ORDER BY
  `t6`.`year` ASC NULLS LAST,
  `t6`.`territory_id` ASC,
  `t6`.`org_id` ASC NULLS LAST;

-- dir3.vsosh_municipal_winners:distinct
SELECT
  *
FROM (
  SELECT
    `t5`.`org_id`,
    `t5`.`year`,
    `t5`.`n0`,
    `t5`.`d0`,
    `t2`.`territory_id`
  FROM (
    SELECT
      `t3`.`org_id`,
      `t3`.`year`,
      COUNT(DISTINCT IF(`t3`.`status` IN ('winner', 'prize'), `t3`.`student`, NULL)) AS `n0`,
      COUNT(DISTINCT `t3`.`student`) AS `d0`
    FROM (
      SELECT
        *
      FROM `olympiad_results` AS `t1`
      WHERE
        `t1`.`procedure` = 'VSOSH' AND `t1`.`stage` = 'municipal'
    ) AS `t3`
    GROUP BY
      1,
      2
  ) AS `t5`
  LEFT OUTER JOIN `org_territory` AS `t2`
    ON `t5`.`org_id` = `t2`.`org_id`
) AS `t6`
ORDER BY
  `t6`.`year` ASC NULLS LAST,
  `t6`.`territory_id` ASC,
  `t6`.`org_id` ASC NULLS LAST;

-- dir3.vsosh_regional:distinct
SELECT
  *
FROM (
  SELECT
    `t5`.`org_id`,
    `t5`.`year`,
    `t5`.`n0`,
    `t2`.`territory_id`
  FROM (
    SELECT
      `t3`.`org_id`,
      `t3`.`year`,
      COUNT(DISTINCT `t3`.`student`) AS `n0`
    FROM (
      SELECT
        *
      FROM `olympiad_results` AS `t1`
      WHERE
        `t1`.`procedure` = 'VSOSH' AND `t1`.`stage` = 'regional'
    ) AS `t3`
    GROUP BY
      1,
      2
  ) AS `t5`
  LEFT OUTER JOIN `org_territory` AS `t2`
    ON `t5`.`org_id` = `t2`.`org_id`
) AS `t6`
ORDER BY
  `t6`.`year` ASC NULLS LAST,
  `t6`.`territory_id` ASC,
  `t6`.`org_id` ASC NULLS LAST;

-- dir3.vsosh_regional_winners:distinct
SELECT
  *
FROM (
  SELECT
    `t5`.`org_id`,
    `t5`.`year`,
    `t5`.`n0`,
    `t5`.`d0`,
    `t2`.`territory_id`
  FROM (
    SELECT
      `t3`.`org_id`,
      `t3`.`year`,
      COUNT(DISTINCT IF(`t3`.`status` IN ('winner', 'prize'), `t3`.`student`, NULL)) AS `n0`,
      COUNT(DISTINCT `t3`.`student`) AS `d0`
    FROM (
      SELECT
        *
      FROM `olympiad_results` AS `t1`
      WHERE
        `t1`.`procedure` = 'VSOSH' AND `t1`.`stage` = 'regional'
    ) AS `t3`
    GROUP BY
      1,
      2
  ) AS `t5`
  LEFT OUTER JOIN `org_territory` AS `t2`
    ON `t5`.`org_id` = `t2`.`org_id`
) AS `t6`
ORDER BY
  `t6`.`year` ASC NULLS LAST,
  `t6`.`territory_id` ASC,
  `t6`.`org_id` ASC NULLS LAST;
